#include "core/handlerregistry.h"
#include "core/handlers/builtinhandlers.h"
#include "ui/enqueuedialog.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTest>

using namespace qd;
using qd::ui::EnqueueDialog;

class TestEnqueueDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // The dialog remembers the last type in QSettings: never in the user's own settings.
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_enqueuedialog"));
        QVERIFY2(QSettings().fileName().contains(QLatin1String("qttest")), qPrintable(QSettings().fileName()));
        QSettings().clear();
        m_handlers = HandlerRegistry::createDefault();
    }

    // Issue 17: the dialog opened on `command` (first in the sorted list, disabled by default), already red, telling
    // the admin to enable it "in settings", a screen QueueDesk does not have.
    void opensOnAnAvailableType()
    {
        QSettings().clear(); // a first use: no type remembered
        EnqueueDialog dialog(*m_handlers, {});
        auto* box = typeBox(dialog);
        QVERIFY(box->findText(QStringLiteral("command")) >= 0);
        QVERIFY2(box->currentText() != QLatin1String("command"), qPrintable(box->currentText()));
        QVERIFY2(dialog.isInputValid(), qPrintable(dialog.validationMessage()));
        QVERIFY(okButton(dialog)->isEnabled());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.grab().save(QStringLiteral("/tmp/qd-ui17-enqueue-open.png"));
    }

    void disabledTypesAreGreyedWithTheReason()
    {
        EnqueueDialog dialog(*m_handlers, {});
        auto* box = typeBox(dialog);
        const auto* model = qobject_cast<QStandardItemModel*>(box->model());
        QVERIFY(model);
        for (int i = 0; i < box->count(); ++i) {
            const QString type = box->itemText(i);
            const QStandardItem* item = model->item(i);
            const bool disabled = type == QLatin1String("command"); // off until the database allows a program
            QCOMPARE(item->isEnabled(), !disabled);
            QCOMPARE(dialog.unavailableReason(type).isEmpty(), !disabled);
            if (!disabled)
                continue;
            const QString tip = item->toolTip();
            QVERIFY2(!tip.isEmpty(), qPrintable(type));
            QCOMPARE(tip, dialog.unavailableReason(type));
            // The reason says where it is turned on: the Settings dialog, or the CLI.
            QVERIFY2(tip.contains(QLatin1String("File > Settings")), qPrintable(tip));
            QVERIFY2(
                tip.contains(QLatin1String("queuedesk-cli settings set command.allowedPrograms")), qPrintable(tip));
            QVERIFY2(tip.contains(QLatin1String("allow-list")), qPrintable(tip));
        }
        // Chosen on purpose (through the API), a disabled type shows why it cannot be enqueued, and OK stays off.
        dialog.setType(QStringLiteral("command"));
        QVERIFY(!dialog.isInputValid());
        QVERIFY(!okButton(dialog)->isEnabled());
        QVERIFY2(dialog.validationMessage().contains(QLatin1String("File > Settings")),
            qPrintable(dialog.validationMessage()));
        // The popup as the admin sees it: the disabled type greyed.
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        box->showPopup();
        QTest::qWait(100);
        if (QWidget* popup = box->view()->window(); popup && popup->isVisible())
            popup->grab().save(QStringLiteral("/tmp/qd-ui17-enqueue-types.png"));
        box->hidePopup();
    }

    // Enabled by the program that embeds the engine, `command` is an ordinary type; enabled with nothing allowed, it
    // stays greyed, and the reason is the empty allow-list, not "off".
    void commandEnabledByTheProgram()
    {
        HandlerRegistry enabled;
        registerBuiltinHandlers(enabled, CommandHandlerSettings {true, {QStringLiteral("/usr/bin/true")}});
        EnqueueDialog dialog(enabled, {});
        QVERIFY(dialog.unavailableReason(QStringLiteral("command")).isEmpty());
        dialog.setType(QStringLiteral("command"));
        QVERIFY2(dialog.isInputValid(), qPrintable(dialog.validationMessage()));

        HandlerRegistry nothingAllowed;
        registerBuiltinHandlers(nothingAllowed, CommandHandlerSettings {true, {}});
        EnqueueDialog empty(nothingAllowed, {});
        const QString reason = empty.unavailableReason(QStringLiteral("command"));
        QVERIFY2(reason.contains(QLatin1String("allow-list")) && !reason.contains(QLatin1String("is off")),
            qPrintable(reason));
    }

    void opensOnTheLastTypeUsed()
    {
        QSettings().clear();
        {
            EnqueueDialog dialog(*m_handlers, {});
            dialog.setType(QStringLiteral("sleep"));
            okButton(dialog)->click();
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        {
            EnqueueDialog dialog(*m_handlers, {});
            QCOMPARE(typeBox(dialog)->currentText(), QStringLiteral("sleep"));
            QVERIFY(dialog.isInputValid());
            // Cancelled: not remembered.
            dialog.setType(QStringLiteral("noop"));
            dialog.reject();
        }
        QCOMPARE(EnqueueDialog(*m_handlers, {}).task().type, QStringLiteral("sleep"));
        // A remembered type that is now disabled (or gone) is not opened on.
        for (const char* remembered : {"command", "no-such-type"}) {
            QSettings().setValue(QLatin1String(EnqueueDialog::lastTypeKey), QLatin1String(remembered));
            EnqueueDialog dialog(*m_handlers, {});
            QVERIFY2(dialog.unavailableReason(typeBox(dialog)->currentText()).isEmpty(),
                qPrintable(typeBox(dialog)->currentText()));
            QVERIFY(dialog.isInputValid());
        }
    }

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
    static QComboBox* typeBox(EnqueueDialog& dialog) { return dialog.findChild<QComboBox*>(QStringLiteral("typeBox")); }
    static QPushButton* okButton(EnqueueDialog& dialog)
    {
        return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    }
    std::shared_ptr<HandlerRegistry> m_handlers;
};

QTEST_MAIN(TestEnqueueDialog)
#include "tst_enqueuedialog.moc"
