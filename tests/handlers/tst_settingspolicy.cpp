// The database's settings as the built-in handlers follow them inside an engine: the command type runs a program
// once it is on the database's allow-list and refuses one that is not; notify refuses loopback once the database says
// so, before any request leaves (the sink on 127.0.0.1 must see none). Settings are written as another process
// would (a TaskStore of its own, the CLI's way), so the engine learns of them by its poll.
#include "core/databasesettings.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "webhooksink.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace Qt::StringLiterals;

class SettingsPolicyTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void commandRunsOnlyAllowListedPrograms();
    void notifyRefusesLoopbackOnceTheDatabaseSaysSo();
    void programBuiltHandlersKeepTheirOwnSettings();
    void engineGivenAnotherEnginesHandlersFollowsItsOwnDatabase();

private:
    std::unique_ptr<QueueEngine> openEngine(std::shared_ptr<const HandlerRegistry> handlers = {});
    void setSetting(const QString& key, const QJsonValue& value);
    Task storedTask(qint64 id);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<WebhookSink> m_sink;
    std::unique_ptr<QueueEngine> m_engine;
};

void SettingsPolicyTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_sink = std::make_unique<WebhookSink>();
    QVERIFY(m_sink->listen());
}

void SettingsPolicyTest::cleanup()
{
    m_engine.reset(); // before the sink, so no handler is left waiting on it
    m_sink.reset();
    m_dir.reset();
}

std::unique_ptr<QueueEngine> SettingsPolicyTest::openEngine(std::shared_ptr<const HandlerRegistry> handlers)
{
    EngineOptions options;
    options.store.path = m_dir->filePath(u"queue.db"_s);
    options.workerCount = 2;
    options.pollIntervalMs = 50;
    options.maintenanceIntervalMs = 100;
    options.sampleIntervalMs = 0;
    options.shutdownGraceMs = 2000;
    options.handlers = std::move(handlers);
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open the engine: %s", qPrintable(engine.errorString()));
        return nullptr;
    }
    return std::move(engine).value();
}

void SettingsPolicyTest::setSetting(const QString& key, const QJsonValue& value)
{
    StoreOptions options;
    options.path = m_dir->filePath(u"queue.db"_s);
    auto store = TaskStore::open(options);
    QVERIFY2(store, qPrintable(store.errorString()));
    const Status s = store.value()->setSetting(key, value, QDateTime::currentMSecsSinceEpoch());
    QVERIFY2(s, qPrintable(s.errorString()));
}

Task SettingsPolicyTest::storedTask(qint64 id)
{
    StoreOptions options;
    options.path = m_dir->filePath(u"queue.db"_s);
    auto store = TaskStore::open(options);
    if (!store)
        return {};
    auto task = store.value()->task(id);
    return task ? *task : Task {};
}

void SettingsPolicyTest::commandRunsOnlyAllowListedPrograms()
{
    const QString echo = QStandardPaths::findExecutable(u"echo"_s);
    const QString printf = QStandardPaths::findExecutable(u"printf"_s);
    QVERIFY(!echo.isEmpty() && !printf.isEmpty());
    m_engine = openEngine();
    QVERIFY(m_engine);
    NewTask task;
    task.type = u"command"_s;
    task.maxAttempts = 1;
    task.payload = QJsonDocument(QJsonObject {{u"program"_s, echo}, {u"args"_s, QJsonArray {u"hello settings"_s}}})
                       .toJson(QJsonDocument::Compact);
    const auto refused = m_engine->enqueue(task);
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().contains(u"allows no programs"_s), qPrintable(refused.errorString()));

    setSetting(settingkeys::commandAllowedPrograms, QJsonArray {echo});
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->databaseSettings().allowedPrograms(), QStringList {echo}, 5000);
    const auto enqueued = m_engine->enqueue(task);
    QVERIFY2(enqueued, qPrintable(enqueued.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(storedTask(enqueued->id).state, TaskState::Succeeded, 10000);
    const QJsonObject result = QJsonDocument::fromJson(storedTask(enqueued->id).result).object();
    QCOMPARE(result.value(u"stdoutTail"_s).toString().trimmed(), u"hello settings"_s);

    // A program not on the list is refused at enqueue, and at run time when the list changed after the enqueue.
    NewTask other = task;
    other.payload = QJsonDocument(QJsonObject {{u"program"_s, printf}, {u"args"_s, QJsonArray {u"x"_s}}})
                        .toJson(QJsonDocument::Compact);
    const auto notListed = m_engine->enqueue(other);
    QVERIFY(!notListed);
    QVERIFY2(notListed.errorString().contains(u"not in the allow-list"_s), qPrintable(notListed.errorString()));
    NewTask later = task;
    later.delayMs = 1500;
    const auto delayed = m_engine->enqueue(later);
    QVERIFY(delayed);
    setSetting(settingkeys::commandAllowedPrograms, QJsonArray {printf});
    QTRY_COMPARE_WITH_TIMEOUT(storedTask(delayed->id).state, TaskState::Failed, 10000);
    QVERIFY2(storedTask(delayed->id).lastError.contains(u"not in the allow-list"_s),
        qPrintable(storedTask(delayed->id).lastError));
}

void SettingsPolicyTest::notifyRefusesLoopbackOnceTheDatabaseSaysSo()
{
    m_engine = openEngine();
    QVERIFY(m_engine);
    NewTask task;
    task.type = u"notify"_s;
    task.maxAttempts = 1;
    task.payload = QJsonDocument(QJsonObject {{u"url"_s, m_sink->url().toString()}}).toJson(QJsonDocument::Compact);
    QVERIFY(m_sink->url().host() == u"127.0.0.1"_s);
    // Allowed by default: a task enqueued now, due later, runs after the change.
    task.delayMs = 1500;
    const auto delayed = m_engine->enqueue(task);
    QVERIFY2(delayed, qPrintable(delayed.errorString()));

    setSetting(settingkeys::networkRefuseLoopback, true);
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->databaseSettings().networkPolicy().refuseLoopback, 5000);
    task.delayMs = 0;
    const auto refused = m_engine->enqueue(task);
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().contains(u"loopback"_s), qPrintable(refused.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(storedTask(delayed->id).state, TaskState::Failed, 10000);
    QVERIFY2(storedTask(delayed->id).lastError.contains(u"loopback"_s), qPrintable(storedTask(delayed->id).lastError));
    QTest::qWait(200); // a request on its way would have arrived by now
    QCOMPARE(m_sink->requestCount(), 0);

    // Allowed again: the same task goes through, so the refusal was the setting's.
    setSetting(settingkeys::networkRefuseLoopback, false);
    QTRY_VERIFY_WITH_TIMEOUT(!m_engine->databaseSettings().networkPolicy().refuseLoopback, 5000);
    const auto sent = m_engine->enqueue(task);
    QVERIFY2(sent, qPrintable(sent.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(storedTask(sent->id).state, TaskState::Succeeded, 10000);
    QCOMPARE(m_sink->requestCount(), 1);
}

// A program that built its command handler with an allow-list of its own keeps it, whatever the database says.
void SettingsPolicyTest::programBuiltHandlersKeepTheirOwnSettings()
{
    const QString echo = QStandardPaths::findExecutable(u"echo"_s);
    auto registry = std::make_shared<HandlerRegistry>();
    registry->add(std::make_unique<CommandHandler>(CommandHandlerSettings {true, {echo}}));
    m_engine = openEngine(registry);
    QVERIFY(m_engine);
    setSetting(settingkeys::commandAllowedPrograms, QJsonArray {u"/bin/sh"_s});
    QTRY_VERIFY_WITH_TIMEOUT(!m_engine->databaseSettings().allowedPrograms().isEmpty(), 5000);
    const TaskHandler* command = m_engine->handlers().find(u"command"_s);
    QVERIFY(command);
    QVERIFY(!command->validate({{u"program"_s, echo}}));
    QVERIFY(command->validate({{u"program"_s, u"/bin/sh"_s}}));
}

// The window opens a second database with the first window's registry (DatabaseOpener): each follows its own.
void SettingsPolicyTest::engineGivenAnotherEnginesHandlersFollowsItsOwnDatabase()
{
    const QString echo = QStandardPaths::findExecutable(u"echo"_s);
    setSetting(settingkeys::commandAllowedPrograms, QJsonArray {echo});
    m_engine = openEngine();
    QVERIFY(m_engine);
    EngineOptions options;
    options.store.path = m_dir->filePath(u"other.db"_s);
    options.sampleIntervalMs = 0;
    options.handlers = m_engine->options().handlers;
    auto other = QueueEngine::open(options);
    QVERIFY2(other, qPrintable(other.errorString()));
    const QJsonObject payload {{u"program"_s, echo}};
    QVERIFY(!m_engine->handlers().find(u"command"_s)->validate(payload));
    QVERIFY(other.value()->handlers().find(u"command"_s)->validate(payload)); // other.db allows nothing
}

QTEST_GUILESS_MAIN(SettingsPolicyTest)
#include "tst_settingspolicy.moc"
