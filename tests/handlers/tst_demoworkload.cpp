#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/handlers/demoworkload.h"
#include "handlertestutil.h"
#include "webhooksink.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

// Builds the demo workload and runs every task through the real handlers, all at once on their own threads, with
// the webhook sink serving from the test thread.
class DemoWorkloadTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void tasksAreValidAndMixed();
    void everyTaskRunsAsAdvertised();
    void sameSeedSameWorkload();
    void unwritableScratchDirectoryIsAnError();

private:
    DemoWorkload::Options smallOptions() const;

    QTemporaryDir m_dir;
    WebhookSink m_sink;
    std::shared_ptr<HandlerRegistry> m_registry = HandlerRegistry::createDefault();
};

void DemoWorkloadTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sink.listen());
}

DemoWorkload::Options DemoWorkloadTest::smallOptions() const
{
    DemoWorkload::Options options;
    options.images = 6;
    options.logLines = 3000;
    options.sleeps = 4;
    options.notifications = 5;
    options.sinkUrl = m_sink.url();
    return options;
}

void DemoWorkloadTest::tasksAreValidAndMixed()
{
    DemoWorkload demo(m_dir.filePath(u"valid"_s));
    const auto tasks = demo.build(smallOptions());
    QVERIFY2(tasks.ok(), qPrintable(tasks.errorString()));
    QMap<QString, int> perType;
    int delayed = 0;
    for (const NewTask& task : *tasks) {
        QVERIFY(isValidQueueName(task.queue));
        const TaskHandler* handler = m_registry->find(task.type);
        QVERIFY2(handler, qPrintable(task.type));
        QJsonParseError parseError;
        const QJsonDocument payload = QJsonDocument::fromJson(task.payload, &parseError);
        QVERIFY2(payload.isObject(), qPrintable(parseError.errorString()));
        const auto error = handler->validate(payload.object());
        QVERIFY2(!error, qPrintable(error.value_or(QString()) + u" in "_s + QString::fromUtf8(task.payload)));
        ++perType[task.type];
        delayed += task.delayMs > 0 ? 1 : 0;
    }
    QVERIFY(perType.value(u"image"_s) >= 6 + 2);
    QCOMPARE(perType.value(u"logstats"_s), 2 + 1);
    QCOMPARE(perType.value(u"notify"_s), 5 + 2);
    QCOMPARE(perType.value(u"sleep"_s), 4 + 1);
    QCOMPARE(delayed, 1);
    QVERIFY(QFile::exists(m_dir.filePath(u"valid/in/access-1.log.gz"_s)));
}

void DemoWorkloadTest::everyTaskRunsAsAdvertised()
{
    DemoWorkload demo(m_dir.filePath(u"run"_s));
    const auto tasks = demo.build(smallOptions());
    QVERIFY2(tasks.ok(), qPrintable(tasks.errorString()));
    const int before = m_sink.requestCount();

    std::vector<std::unique_ptr<HandlerContext>> contexts;
    std::vector<test::AsyncRun> futures;
    for (const NewTask& task : *tasks) {
        contexts.push_back(std::make_unique<HandlerContext>(contexts.size() + 1, 1, task.queue));
        futures.push_back(test::runAsync(
            *m_registry->find(task.type), QJsonDocument::fromJson(task.payload).object(), *contexts.back()));
    }
    int failures = 0;
    for (size_t i = 0; i < futures.size(); ++i) {
        QVERIFY(test::waitFor(futures[i], 30000));
        const HandlerResult result = futures[i].get();
        const QJsonObject payload = QJsonDocument::fromJson(tasks->at(qsizetype(i)).payload).object();
        const bool meantToFail = payload.contains(u"note"_s);
        QVERIFY2((result.outcome == Outcome::Success) != meantToFail,
            qPrintable(QString::fromUtf8(tasks->at(qsizetype(i)).payload) + u" -> "_s + result.error));
        failures += meantToFail ? 1 : 0;
        if (tasks->at(qsizetype(i)).type == u"logstats"_s && !meantToFail) {
            QCOMPARE(
                result.result.value(u"requests"_s).toInteger() + result.result.value(u"malformedLines"_s).toInteger(),
                3000);
            QVERIFY(result.result.value(u"malformedLines"_s).toInteger() > 0);
            QCOMPARE(result.result.value(u"topPaths"_s).toArray().size(), 10);
        }
    }
    QCOMPARE(failures, 6);
    QCOMPARE(m_sink.requestCount() - before, 5 + 2);
    QVERIFY(QDir(m_dir.filePath(u"run/out/thumbs"_s)).entryList(QDir::Files).size() == 6);
}

void DemoWorkloadTest::sameSeedSameWorkload()
{
    auto digest = [](const QString& root) {
        QCryptographicHash hash(QCryptographicHash::Sha256);
        QDirIterator it(root + u"/in"_s, QDir::Files);
        QStringList files;
        while (it.hasNext())
            files.append(it.next());
        files.sort();
        for (const QString& file : files) {
            QFile f(file);
            if (f.open(QIODevice::ReadOnly))
                hash.addData(f.readAll());
        }
        return hash.result();
    };
    DemoWorkload::Options options = smallOptions();
    const auto a = DemoWorkload(m_dir.filePath(u"a"_s)).build(options);
    const auto b = DemoWorkload(m_dir.filePath(u"b"_s)).build(options);
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a->size(), b->size());
    for (qsizetype i = 0; i < a->size(); ++i) {
        QByteArray pa = a->at(i).payload;
        QCOMPARE(pa.replace("/a/", "/x/"), QByteArray(b->at(i).payload).replace("/b/", "/x/"));
    }
    QCOMPARE(digest(m_dir.filePath(u"a"_s)), digest(m_dir.filePath(u"b"_s)));
    options.seed = 2;
    DemoWorkload(m_dir.filePath(u"c"_s)).build(options);
    QVERIFY(digest(m_dir.filePath(u"a"_s)) != digest(m_dir.filePath(u"c"_s)));
}

void DemoWorkloadTest::unwritableScratchDirectoryIsAnError()
{
    QFile blocker(m_dir.filePath(u"file"_s));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const auto tasks = DemoWorkload(m_dir.filePath(u"file/demo"_s)).build(smallOptions());
    QVERIFY(!tasks.ok());
    QCOMPARE(tasks.error().code, ErrorCode::Io);
}

QTEST_GUILESS_MAIN(DemoWorkloadTest)
#include "tst_demoworkload.moc"
