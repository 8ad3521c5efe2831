// The task inspector says which producer key signed a task, or that it is unsigned (schema 12's signed tasks).
#include "uitesthelpers.h"

#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "ui/readerthread.h"
#include "ui/taskinspector.h"

#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace qd;
using namespace qd::ui;

namespace {

// The Fields tab's value of `field`, empty when there is no such row.
QString fieldValue(const TaskInspector& inspector, const QString& field)
{
    for (const QTreeWidget* tree : inspector.findChildren<QTreeWidget*>()) {
        if (tree->columnCount() != 2)
            continue;
        for (int i = 0; i < tree->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = tree->topLevelItem(i);
            if (item->text(0) == field) // the whole value in the tooltip too, where the dock elides it
                return item->toolTip(1) == item->text(1) ? item->text(1) : QStringLiteral("tooltip differs");
        }
    }
    return {};
}

} // namespace

class TestInspectorSignature : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsSignerOrUnsigned()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
        QVERIFY(
            engine
                ->runInWriter([&](TaskStore& store) {
                    return store.addProducerKey({pair.id, QStringLiteral("billing-service"), pair.publicKey, 0, 0}, 1);
                })
                .ok());
        NewTask signedTask;
        signedTask.type = QStringLiteral("noop");
        signedTask.queue = QStringLiteral("billing");
        signedTask.idempotencyKey = QStringLiteral("invoice-42");
        QVERIFY(crypto::signTask(signedTask, pair));
        const auto signedId = engine->enqueue(signedTask);
        QVERIFY2(signedId, qPrintable(signedId.errorString()));
        NewTask plain;
        plain.type = QStringLiteral("noop");
        const auto plainId = engine->enqueue(plain);
        QVERIFY(plainId);

        ReaderThread reader(engine->options().store);
        TaskInspector inspector(&reader);
        inspector.resize(480, 520);
        inspector.show();
        inspector.showTask(signedId->id);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == signedId->id);
        QCOMPARE(fieldValue(inspector, QStringLiteral("Signature")),
            QStringLiteral("Signed by billing-service (key %1)").arg(pair.id));
        if (!qEnvironmentVariableIsEmpty("QD_SCREENSHOT_DIR"))
            inspector.grab().save(qEnvironmentVariable("QD_SCREENSHOT_DIR") + QLatin1String("/inspector-signed.png"));

        inspector.showTask(plainId->id);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == plainId->id);
        QCOMPARE(fieldValue(inspector, QStringLiteral("Signature")), QStringLiteral("Unsigned"));

        // Revoked after it was verified: still signed by that key, and the inspector says the key is revoked now.
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return store.revokeProducerKey(pair.id, 1000); }).ok());
        inspector.showTask(signedId->id);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == signedId->id);
        QVERIFY2(fieldValue(inspector, QStringLiteral("Signature")).contains(QLatin1String("key revoked")),
            qPrintable(fieldValue(inspector, QStringLiteral("Signature"))));
    }
};

QTEST_MAIN(TestInspectorSignature)
#include "tst_inspectorsignature.moc"
