#include "core/handlerregistry.h"
#include "ui/enqueuedialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QTest>

using namespace qd;
using qd::ui::EnqueueDialog;

class TestEnqueueDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_handlers = HandlerRegistry::createDefault(); }

    void templateIsValid()
    {
        EnqueueDialog dialog(*m_handlers, {QStringLiteral("emails")});
        dialog.setType(QStringLiteral("sleep"));
        QVERIFY(dialog.isInputValid());
        QVERIFY(okButton(dialog)->isEnabled());
        const NewTask t = dialog.task();
        QCOMPARE(t.type, QStringLiteral("sleep"));
        QCOMPARE(t.queue, QStringLiteral("emails"));
        QVERIFY(t.payload.contains("\"ms\""));
    }

    void invalidInputDisablesOk_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("payload");
        QTest::addColumn<QString>("reasonContains");
        QTest::newRow("syntax") << QStringLiteral("noop") << QStringLiteral("{\"a\": 1,,}") << QStringLiteral("line 1");
        QTest::newRow("second line") << QStringLiteral("noop") << QStringLiteral("{\n\"a\": 1,\n\"b\" 2\n}")
                                     << QStringLiteral("line 3");
        QTest::newRow("not an object") << QStringLiteral("noop") << QStringLiteral("[1, 2]")
                                       << QStringLiteral("object");
        QTest::newRow("handler rejects") << QStringLiteral("sleep") << QStringLiteral("{\"ms\": -5}")
                                         << QStringLiteral("ms");
    }

    void invalidInputDisablesOk()
    {
        QFETCH(QString, type);
        QFETCH(QString, payload);
        QFETCH(QString, reasonContains);
        EnqueueDialog dialog(*m_handlers, {});
        dialog.setType(type);
        dialog.setPayloadText(payload);
        QVERIFY(!dialog.isInputValid());
        QVERIFY(!okButton(dialog)->isEnabled());
        QVERIFY2(dialog.validationMessage().contains(reasonContains), qPrintable(dialog.validationMessage()));
        // The reason is on screen, not only in an API.
        const auto labels = dialog.findChildren<QLabel*>();
        QVERIFY(std::any_of(
            labels.cbegin(), labels.cend(), [&](const QLabel* l) { return l->text() == dialog.validationMessage(); }));
        if (qstrcmp(QTest::currentDataTag(), "second line") == 0) {
            dialog.show();
            dialog.grab().save(QStringLiteral("/tmp/qd-enqueue-invalid.png"));
        }
        // Enter cannot submit it either.
        okButton(dialog)->click();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));

        // Fixing it enables OK again.
        dialog.setPayloadText(type == QLatin1String("sleep") ? QStringLiteral("{\"ms\": 5}") : QStringLiteral("{}"));
        QVERIFY(dialog.isInputValid());
        QVERIFY(okButton(dialog)->isEnabled());
    }

    void badQueueNameIsRejected()
    {
        EnqueueDialog dialog(*m_handlers, {});
        dialog.setType(QStringLiteral("noop"));
        dialog.setQueue(QStringLiteral("no spaces allowed"));
        QVERIFY(!dialog.isInputValid());
        dialog.setQueue(QStringLiteral("ok-queue"));
        QVERIFY(dialog.isInputValid());
    }

    void countMakesABatch()
    {
        EnqueueDialog dialog(*m_handlers, {});
        dialog.setType(QStringLiteral("noop"));
        dialog.setCount(250);
        QCOMPARE(dialog.tasks().size(), 250);
        okButton(dialog)->click();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

private:
    static QPushButton* okButton(EnqueueDialog& dialog)
    {
        return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    }
    std::shared_ptr<HandlerRegistry> m_handlers;
};

QTEST_MAIN(TestEnqueueDialog)
#include "tst_enqueuedialog.moc"
