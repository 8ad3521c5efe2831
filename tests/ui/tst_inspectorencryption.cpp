// The task inspector of a window on an encrypted database: a queue with a key of its own that this process lacks
// shows its metadata and "encrypted", another queue its payload; a key kept only in the desktop keyring is found by
// the reader's thread (never the GUI thread). ctest runs it inside scripts/keyring-test-session.sh.
#include "uitesthelpers.h"

#include "core/crypto/desktopkeyring.h"
#include "core/crypto/keyfile.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "ui/readerthread.h"
#include "ui/taskinspector.h"

#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace qd;
using namespace qd::ui;

namespace {

// The Payload tab's text.
QString payloadText(const TaskInspector& inspector)
{
    const auto* tabs = inspector.findChild<QTabWidget*>();
    for (int i = 0; tabs && i < tabs->count(); ++i) {
        if (tabs->tabText(i) == QLatin1String("Payload"))
            return qobject_cast<const QPlainTextEdit*>(tabs->widget(i))->toPlainText();
    }
    return QStringLiteral("no Payload tab");
}

qint64 enqueue(QueueEngine& engine, const QString& queue, const QByteArray& payload)
{
    NewTask t;
    t.type = QStringLiteral("noop");
    t.queue = queue;
    t.payload = payload;
    const auto id = engine.enqueue(t);
    return id ? id->id : 0;
}

} // namespace

class TestInspectorEncryption : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("config")))); // no key file
        qunsetenv("QUEUEDESK_KEY_FILE");
    }

    void queueWithoutItsKeyReadsEncrypted()
    {
        QTemporaryDir dir;
        const QString keyFile = dir.filePath(QStringLiteral("vault.key"));
        crypto::KeyRing keys;
        const crypto::DataKey key = crypto::KeyRing::generate();
        keys.add(key);
        QVERIFY(crypto::writeKeyFile(keyFile, keys));
        qint64 hidden = 0, shown = 0;
        {
            EngineOptions options;
            options.store.path = dir.filePath(QStringLiteral("ui.db"));
            options.store.keyFile = keyFile;
            options.workerCount = 0;
            auto engine = QueueEngine::open(options);
            QVERIFY2(engine, qPrintable(engine.errorString()));
            QVERIFY((*engine)
                        ->runInWriter(
                            [&](TaskStore& store) { return store.addEncryptionKey(key, 1, QStringLiteral("vault")); })
                        .ok());
            hidden = enqueue(**engine, QStringLiteral("vault"), R"({"card":"4111-hidden"})");
            shown = enqueue(**engine, QStringLiteral("public"), R"({"note":"shown-text"})");
            QVERIFY(hidden > 0 && shown > 0);
        }
        auto engine = test::openEngine(dir); // no key
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        TaskInspector inspector(&reader);
        inspector.resize(480, 520);
        inspector.show();
        inspector.showTask(hidden);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == hidden);
        QTRY_VERIFY2(payloadText(inspector).contains(QLatin1String("encrypted")), qPrintable(payloadText(inspector)));
        QVERIFY(!payloadText(inspector).contains(QLatin1String("4111")));
        QCOMPARE(inspector.shown()->task.queue, QStringLiteral("vault"));
        if (!qEnvironmentVariableIsEmpty("QD_SCREENSHOT_DIR")) {
            inspector.findChild<QTabWidget*>()->setCurrentIndex(1);
            inspector.grab().save(qEnvironmentVariable("QD_SCREENSHOT_DIR") + QLatin1String("/inspector-sealed.png"));
        }
        inspector.showTask(shown);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == shown);
        QVERIFY2(payloadText(inspector).contains(QLatin1String("shown-text")), qPrintable(payloadText(inspector)));
    }

    void keyInTheKeyringIsFoundOffTheGuiThread()
    {
        if (qEnvironmentVariableIsEmpty("QD_TEST_KEYRING_SESSION"))
            QSKIP("Needs a Secret Service of its own: run through scripts/keyring-test-session.sh (ctest does)");
        if (!qEnvironmentVariableIsEmpty("QD_TEST_KEYRING_MISSING"))
            QSKIP(qPrintable(
                QStringLiteral("No Secret Service for the test: ") + qEnvironmentVariable("QD_TEST_KEYRING_MISSING")));
        // The GUI thread never waits on the keyring: asked there, it refuses at once.
        QCOMPARE(crypto::readKeyringKey(QStringLiteral("0123456789abcdef")).error().code, ErrorCode::Internal);
        QTemporaryDir dir;
        const crypto::DataKey key = crypto::KeyRing::generate();
        bool stored = false;
        QThread* keeper = QThread::create([&] { stored = crypto::writeKeyringKey(key).ok(); });
        keeper->start();
        QTRY_VERIFY_WITH_TIMEOUT(keeper->isFinished(), 30'000);
        keeper->wait();
        delete keeper;
        QVERIFY(stored);
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return store.addEncryptionKey(key, 1); }).ok());
        const qint64 id = enqueue(*engine, QStringLiteral("default"), R"({"note":"from-the-keyring"})");
        QVERIFY(id > 0);
        ReaderThread reader(engine->options().store);
        TaskInspector inspector(&reader);
        inspector.show();
        inspector.showTask(id);
        QTRY_VERIFY(inspector.shown().has_value() && inspector.shown()->task.id == id);
        QVERIFY2(
            payloadText(inspector).contains(QLatin1String("from-the-keyring")), qPrintable(payloadText(inspector)));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestInspectorEncryption)
#include "tst_inspectorencryption.moc"
