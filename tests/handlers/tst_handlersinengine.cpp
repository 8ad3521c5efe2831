#include "core/handlers/builtinhandlers.h"
#include "core/handlers/demoworkload.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "webhooksink.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace Qt::StringLiterals;

// The handlers inside the real engine: worker threads, timeouts, cancellation and stored results, with the webhook
// sink answering from the test thread (QTRY_* keeps its event loop turning).
class HandlersInEngineTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void demoWorkloadEndsAsAdvertised();
    void cancellingARunningNotifyStopsItPromptly();
    void taskTimeoutStopsACommand();

private:
    std::unique_ptr<QueueEngine> openEngine(const CommandHandlerSettings& command = {});
    Task storedTask(qint64 id);
    bool allFinal(qint64 expected) const;
    QByteArray describeCounts() const;
    void prepareQueue(const QString& name);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<WebhookSink> m_sink;
    std::unique_ptr<QueueEngine> m_engine;
    std::unique_ptr<TaskStore> m_reader;
};

void HandlersInEngineTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_sink = std::make_unique<WebhookSink>();
    QVERIFY(m_sink->listen());
}

void HandlersInEngineTest::cleanup()
{
    m_reader.reset();
    m_engine.reset(); // before the sink, so no handler is left waiting on it
    m_sink.reset();
    m_dir.reset();
}

std::unique_ptr<QueueEngine> HandlersInEngineTest::openEngine(const CommandHandlerSettings& command)
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry, command);
    EngineOptions options;
    options.store.path = m_dir->filePath(u"queue.db"_s);
    options.workerCount = 4;
    options.pollIntervalMs = 50;
    options.maintenanceIntervalMs = 100;
    options.sampleIntervalMs = 0;
    options.shutdownGraceMs = 2000;
    options.handlers = registry;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open the engine: %s", qPrintable(engine.errorString()));
        return nullptr;
    }
    return std::move(engine).value();
}

Task HandlersInEngineTest::storedTask(qint64 id)
{
    if (!m_reader) {
        StoreOptions options;
        options.path = m_dir->filePath(u"queue.db"_s);
        auto store = TaskStore::open(options);
        if (!store)
            qFatal("cannot open a reader: %s", qPrintable(store.errorString()));
        m_reader = std::move(store).value();
    }
    auto task = m_reader->task(id);
    return task ? *task : Task {};
}

bool HandlersInEngineTest::allFinal(qint64 expected) const
{
    qint64 final = 0;
    const auto counts = m_engine->counts();
    for (const StateCounts& queue : counts) {
        for (TaskState state : allTaskStates)
            final += isFinal(state) ? queue[size_t(state)] : 0;
    }
    return final == expected;
}

// Creates the queue before tasks arrive. Needed because the engine (as of 38bdf6d) only claims from queues it knew
// when its queue configs were last loaded, so tasks enqueued into a brand-new queue are never run. Also a place to
// make every attempt final.
void HandlersInEngineTest::prepareQueue(const QString& name)
{
    QueueConfig config;
    config.name = name;
    config.maxAttempts = 1;
    const Status status = m_engine->setQueueConfig(config);
    QVERIFY2(status.ok(), qPrintable(status.errorString()));
}

QByteArray HandlersInEngineTest::describeCounts() const
{
    QByteArray text;
    const auto counts = m_engine->counts();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        text += it.key().toUtf8() + ':';
        for (TaskState state : allTaskStates)
            text += ' ' + taskStateName(state).toUtf8() + '=' + QByteArray::number(it.value()[size_t(state)]);
        text += "; ";
    }
    return text;
}

void HandlersInEngineTest::demoWorkloadEndsAsAdvertised()
{
    m_engine = openEngine();
    QVERIFY(m_engine);
    DemoWorkload::Options options;
    options.images = 5;
    options.logLines = 2000;
    options.sleeps = 3; // none delayed
    options.notifications = 4;
    options.sinkUrl = m_sink->url();
    auto built = DemoWorkload(m_dir->filePath(u"demo"_s)).build(options);
    QVERIFY2(built.ok(), qPrintable(built.errorString()));
    QList<NewTask> tasks = std::move(built).value();
    QSet<QString> queues;
    for (NewTask& task : tasks) {
        task.maxAttempts = 1; // deliberate retryable failures fail at once instead of backing off
        queues.insert(task.queue);
    }
    for (const QString& queue : std::as_const(queues))
        prepareQueue(queue);

    const auto enqueued = m_engine->enqueueBatch(tasks);
    QVERIFY2(enqueued.ok(), qPrintable(enqueued.errorString()));
    QTRY_VERIFY2_WITH_TIMEOUT(allFinal(tasks.size()), describeCounts().constData(), 20000);

    for (qsizetype i = 0; i < tasks.size(); ++i) {
        const Task task = storedTask(enqueued->at(i).id);
        const QJsonObject payload = QJsonDocument::fromJson(tasks.at(i).payload).object();
        const bool meantToFail = payload.contains(u"note"_s);
        QVERIFY2(task.state == (meantToFail ? TaskState::Failed : TaskState::Succeeded),
            qPrintable(taskStateName(task.state) + u" "_s + QString::fromUtf8(task.payload) + u" "_s + task.lastError));
        if (meantToFail) {
            QVERIFY(!task.lastError.isEmpty());
            continue;
        }
        const QJsonObject result = QJsonDocument::fromJson(task.result).object();
        if (task.type == u"image"_s)
            QVERIFY(QFileInfo(result.value(u"output"_s).toString()).size() == result.value(u"bytes"_s).toInteger());
        if (task.type == u"logstats"_s)
            QCOMPARE(result.value(u"topPaths"_s).toArray().size(), 10);
        if (task.type == u"notify"_s)
            QCOMPARE(result.value(u"status"_s).toInt(), 200);
    }
    QCOMPARE(m_sink->requestCount(), 4 + 2);
}

void HandlersInEngineTest::cancellingARunningNotifyStopsItPromptly()
{
    m_engine = openEngine();
    QVERIFY(m_engine);
    m_sink->setResponseDelayMs(30000);
    prepareQueue(u"webhooks"_s);
    NewTask task;
    task.queue = u"webhooks"_s;
    task.type = u"notify"_s;
    task.payload = QJsonDocument(QJsonObject {{u"url"_s, m_sink->url().toString()}, {u"timeoutMs"_s, 60000}})
                       .toJson(QJsonDocument::Compact);
    const auto enqueued = m_engine->enqueue(task);
    QVERIFY2(enqueued.ok(), qPrintable(enqueued.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->requestCount(), 1, 10000);

    QElapsedTimer timer;
    timer.start();
    TaskFilter filter;
    filter.ids = {enqueued->id};
    QVERIFY(m_engine->cancel(filter).ok());
    QTRY_VERIFY_WITH_TIMEOUT(storedTask(enqueued->id).state == TaskState::Cancelled, 5000);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
}

void HandlersInEngineTest::taskTimeoutStopsACommand()
{
    m_engine = openEngine(CommandHandlerSettings {true, {u"sleep"_s}});
    QVERIFY(m_engine);
    prepareQueue(u"ops"_s);
    NewTask task;
    task.queue = u"ops"_s;
    task.type = u"command"_s;
    task.payload = QJsonDocument(QJsonObject {{u"program"_s, u"sleep"_s}, {u"args"_s, QJsonArray {u"30"_s}}})
                       .toJson(QJsonDocument::Compact);
    task.timeoutMs = 300;
    task.maxAttempts = 1;
    QElapsedTimer timer;
    timer.start();
    const auto enqueued = m_engine->enqueue(task);
    QVERIFY2(enqueued.ok(), qPrintable(enqueued.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(storedTask(enqueued->id).state == TaskState::Failed, 10000);
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(
        storedTask(enqueued->id).lastError.contains(u"Timed out"_s), qPrintable(storedTask(enqueued->id).lastError));

    // The same handler, disabled: the engine refuses the task at enqueue time with the handler's reason.
    m_engine.reset();
    m_engine = openEngine();
    QVERIFY(m_engine);
    const auto refused = m_engine->enqueue(task);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.errorString().contains(u"disabled"_s), qPrintable(refused.errorString()));
}

QTEST_GUILESS_MAIN(HandlersInEngineTest)
#include "tst_handlersinengine.moc"
