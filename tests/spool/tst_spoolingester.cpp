// SpoolIngester on a real folder and database: task files, data files, rejects, files left in place, odd names, and
// the crash windows of an ingestion (a file linked into cur/ and committed but still in new/; a task committed while
// its file never left new/; a process that restarts with files in cur/).
#include "spooltestutil.h"

#include "tests/core/storetestutil.h"

#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "core/spool/spoolingester.h"
#include "core/taskstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <functional>

#include <sys/stat.h>
#include <unistd.h>

using namespace qd;
using namespace qd::test;

class TestSpoolIngester : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void taskFilesBecomeTasksAndEndInDone();
    void dataFilesUseThePayloadTemplate();
    void malformedAndUnknownFilesGoToFailedWithTheReason();
    void symlinksAndUnreadableFilesStayAndAreReported();
    void namesWithSpacesNewlinesAndUnicode();
    void crashAfterCommitMakesNoSecondTask();
    void restartAdoptsFilesInCur();
    void sameNameWaitsForTheFirstToEnd();
    void refusedSignaturesGoToFailedWithTheReason();

private:
    std::unique_ptr<SpoolIngester> ingester(const SpoolConfig& config);
    QJsonObject resultOf(const QString& folder, const QString& name);
    qint64 taskCount() { return scalar(*m_reader, QStringLiteral("SELECT count(*) FROM tasks")); }
    // Runs finish() until `count` files have left cur/.
    bool finishAll(SpoolIngester& spool, int count);

    QTemporaryDir m_dir;
    QString m_spool;
    std::unique_ptr<QueueEngine> m_engine;
    std::unique_ptr<TaskStore> m_reader;
    QList<SpoolProblem> m_problems;
    int m_round = 0;
};

void TestSpoolIngester::init()
{
    ++m_round;
    m_spool = m_dir.filePath(QStringLiteral("spool%1").arg(m_round));
    EngineOptions options;
    QVERIFY(openTestEngine(m_dir, QStringLiteral("spool%1").arg(m_round), 2, options, m_engine, m_reader));
    m_problems.clear();
}

void TestSpoolIngester::cleanup()
{
    m_reader.reset();
    m_engine.reset();
}

std::unique_ptr<SpoolIngester> TestSpoolIngester::ingester(const SpoolConfig& config)
{
    auto spool = std::make_unique<SpoolIngester>(QStringLiteral("inbox"), config, *m_engine, *m_reader);
    spool->onProblem = [this](const SpoolProblem& p) { m_problems.append(p); };
    if (!spool->prepare())
        return nullptr;
    return spool;
}

QJsonObject TestSpoolIngester::resultOf(const QString& folder, const QString& name)
{
    QFile file(m_spool + u'/' + folder + u'/' + name + QStringLiteral(".result.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

bool TestSpoolIngester::finishAll(SpoolIngester& spool, int count)
{
    int moved = 0;
    for (int i = 0; i < 500 && moved < count; ++i) {
        const Result<int> n = spool.finish({});
        if (!n)
            return false;
        moved += *n;
        if (moved < count)
            QTest::qWait(10);
    }
    return moved == count;
}

void TestSpoolIngester::taskFilesBecomeTasksAndEndInDone()
{
    auto spool = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(spool);
    QVERIFY(dropFile(m_spool, QStringLiteral("one.json"), R"({"type":"noop","queue":"files","payload":{"n":1}})"));
    QVERIFY(dropFile(
        m_spool, QStringLiteral("many.jsonl"), "{\"type\":\"noop\"}\n\n{\"type\":\"noop\"}\n{\"type\":\"noop\"}\n"));
    const Result<int> taken = spool->ingest(100);
    QVERIFY2(taken, qPrintable(taken.errorString()));
    QCOMPARE(*taken, 2);
    QCOMPARE(taskCount(), 4);
    QVERIFY(filesIn(m_spool, QStringLiteral("new")).isEmpty());
    QCOMPARE(scalar(*m_reader,
                 QStringLiteral("SELECT count(*) FROM tasks WHERE queue = 'files' AND payload LIKE '%\"n\":1%'"
                                " AND idempotency_key LIKE 'spool:inbox:%'")),
        1);
    QVERIFY(finishAll(*spool, 2));
    QCOMPARE(filesIn(m_spool, QStringLiteral("done")),
        QStringList({QStringLiteral("many.jsonl"), QStringLiteral("many.jsonl.result.json"), QStringLiteral("one.json"),
            QStringLiteral("one.json.result.json")}));
    QVERIFY(filesIn(m_spool, QStringLiteral("cur")).isEmpty());
    const QJsonObject many = resultOf(QStringLiteral("done"), QStringLiteral("many.jsonl"));
    QCOMPARE(many.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(many.value(QStringLiteral("tasks")).toArray().size(), 3);
    QVERIFY(m_problems.isEmpty());
}

void TestSpoolIngester::dataFilesUseThePayloadTemplate()
{
    SpoolConfig config {m_spool, QStringLiteral("noop"), QStringLiteral("*.jpg"),
        QJsonObject {{QStringLiteral("input"), QStringLiteral("{path}")},
            {QStringLiteral("output"), QStringLiteral("thumbs/{stem}.webp")},
            {QStringLiteral("kind"), QStringLiteral("{ext} of {name} in {spool}")}},
        QStringLiteral("images")};
    auto spool = ingester(config);
    QVERIFY(spool);
    QVERIFY(dropFile(m_spool, QStringLiteral("cat.jpg"), "not really a jpeg"));
    QVERIFY(dropFile(m_spool, QStringLiteral("notes.txt"), "hello"));
    QVERIFY(spool->ingest(100));
    auto tasks = m_reader->listTasks(TaskQuery {});
    QVERIFY(tasks);
    QCOMPARE(tasks->size(), 1);
    QCOMPARE(tasks->first().queue, QStringLiteral("images"));
    const QJsonObject payload = QJsonDocument::fromJson(tasks->first().payload).object();
    QCOMPARE(payload.value(QStringLiteral("input")).toString(), m_spool + QStringLiteral("/cur/cat.jpg"));
    QCOMPARE(payload.value(QStringLiteral("output")).toString(), QStringLiteral("thumbs/cat.webp"));
    QCOMPARE(payload.value(QStringLiteral("kind")).toString(), QStringLiteral("jpg of cat.jpg in ") + m_spool);
    // The task's file is in cur/ from the moment the task is committed.
    QVERIFY(QFile::exists(m_spool + QStringLiteral("/cur/cat.jpg"))
        || QFile::exists(m_spool + QStringLiteral("/done/cat.jpg")));
    QVERIFY(filesIn(m_spool, QStringLiteral("failed")).contains(QStringLiteral("notes.txt")));
    QVERIFY(resultOf(QStringLiteral("failed"), QStringLiteral("notes.txt"))
                .value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("*.jpg")));
    QVERIFY(finishAll(*spool, 1));
    QVERIFY(QFile::exists(m_spool + QStringLiteral("/done/cat.jpg")));
}

void TestSpoolIngester::malformedAndUnknownFilesGoToFailedWithTheReason()
{
    auto spool = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(spool);
    const QList<std::pair<QString, QByteArray>> bad {
        {QStringLiteral("garbage.json"), "{not json"},
        {QStringLiteral("unknown-type.json"), R"({"type":"no-such-type"})"},
        {QStringLiteral("typo.json"), R"({"type":"noop","priorty":3})"},
        {QStringLiteral("array.json"), "[1,2]"},
        {QStringLiteral("empty.jsonl"), "\n\n"},
        {QStringLiteral("line2.jsonl"), "{\"type\":\"noop\"}\n{\"type\":\"noop\",\n"},
        {QStringLiteral("readme.txt"), "hello"},
    };
    const QStringList reasons {QStringLiteral("not valid JSON"), QStringLiteral("no-such-type"),
        QStringLiteral("priorty"), QStringLiteral("object"), QStringLiteral("no task"), QStringLiteral("line 2"),
        QStringLiteral("not a task file")};
    for (const auto& [name, content] : bad)
        QVERIFY(dropFile(m_spool, name, content));
    const Result<int> taken = spool->ingest(100);
    QVERIFY2(taken, qPrintable(taken.errorString()));
    QCOMPARE(*taken, int(bad.size()));
    QCOMPARE(taskCount(), 0); // not even the good first line of line2.jsonl
    QVERIFY(filesIn(m_spool, QStringLiteral("new")).isEmpty());
    QVERIFY(filesIn(m_spool, QStringLiteral("cur")).isEmpty());
    for (qsizetype i = 0; i < bad.size(); ++i) {
        const QJsonObject result = resultOf(QStringLiteral("failed"), bad[i].first);
        QCOMPARE(result.value(QStringLiteral("state")).toString(), QStringLiteral("rejected"));
        const QString error = result.value(QStringLiteral("error")).toString();
        QVERIFY2(error.contains(reasons[i]), qPrintable(bad[i].first + QStringLiteral(": ") + error));
        QFile kept(m_spool + QStringLiteral("/failed/") + bad[i].first);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), bad[i].second); // never dropped
    }
}

void TestSpoolIngester::symlinksAndUnreadableFilesStayAndAreReported()
{
    auto spool = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(spool);
    const QString outside = m_dir.filePath(QStringLiteral("outside%1.json").arg(m_round));
    QFile target(outside);
    QVERIFY(target.open(QIODevice::WriteOnly));
    target.write(R"({"type":"noop"})");
    target.close();
    QVERIFY(QFile::link(outside, m_spool + QStringLiteral("/new/link.json")));
    QVERIFY(::mkfifo(QFile::encodeName(m_spool + QStringLiteral("/new/fifo.json")).constData(), 0600) == 0);
    QVERIFY(dropFile(m_spool, QStringLiteral("locked.json"), R"({"type":"noop"})"));
    QVERIFY(QFile::setPermissions(m_spool + QStringLiteral("/new/locked.json"), QFileDevice::Permissions {}));
    const bool root = ::geteuid() == 0; // root reads a file without permissions: then it is simply taken

    QVERIFY(spool->ingest(100));
    QVERIFY(spool->ingest(100)); // a second scan reports nothing again
    QCOMPARE(taskCount(), root ? 1 : 0);
    const QStringList left = filesIn(m_spool, QStringLiteral("new"));
    QVERIFY(left.contains(QStringLiteral("link.json")));
    QVERIFY(left.contains(QStringLiteral("fifo.json")));
    QCOMPARE(left.contains(QStringLiteral("locked.json")), !root);
    QVERIFY(QFileInfo(m_spool + QStringLiteral("/new/link.json")).isSymLink());
    QVERIFY(QFile::exists(outside)); // the link's target is untouched
    QStringList reported;
    for (const SpoolProblem& p : std::as_const(m_problems))
        reported.append(p.file + QStringLiteral(": ") + p.reason);
    reported.sort();
    QStringList expected {QStringLiteral("new/fifo.json: not a regular file: left in place"),
        QStringLiteral("new/link.json: a symbolic link: left in place, never followed")};
    if (!root)
        expected.append(QStringLiteral("new/locked.json: cannot be read (Permission denied): left in place"));
    expected.sort();
    QCOMPARE(reported, expected);
}

void TestSpoolIngester::namesWithSpacesNewlinesAndUnicode()
{
    SpoolConfig config {m_spool, QStringLiteral("noop"), QStringLiteral("*.jpg"),
        QJsonObject {{QStringLiteral("input"), QStringLiteral("{path}")}}, QStringLiteral("default")};
    auto spool = ingester(config);
    QVERIFY(spool);
    const QStringList names {QStringLiteral("with space.json"), QStringLiteral("new\nline.json"),
        QStringLiteral("Ünïcødé 日本語 🎉.json"), QStringLiteral("photo \n\"quoted\" Ω.jpg"),
        QStringLiteral("-dash.json")};
    for (const QString& name : names)
        QVERIFY(dropFile(m_spool, name, name.endsWith(QLatin1String(".jpg")) ? "x" : R"({"type":"noop"})"));
    QVERIFY(spool->ingest(100));
    QCOMPARE(taskCount(), names.size());
    QVERIFY(finishAll(*spool, int(names.size())));
    const QStringList done = filesIn(m_spool, QStringLiteral("done"));
    for (const QString& name : names) {
        QVERIFY2(done.contains(name), qPrintable(name));
        QCOMPARE(resultOf(QStringLiteral("done"), name).value(QStringLiteral("file")).toString(), name);
    }
    auto image = m_reader->listTasks(TaskQuery {TaskFilter {{}, {}, {}, {}, QStringLiteral("quoted"), 0, 0}});
    QVERIFY(image);
    QCOMPARE(image->size(), 1);
    QCOMPARE(QJsonDocument::fromJson(image->first().payload).object().value(QStringLiteral("input")).toString(),
        m_spool + QStringLiteral("/cur/") + names[3]);
}

void TestSpoolIngester::crashAfterCommitMakesNoSecondTask()
{
    {
        auto first = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
        QVERIFY(first);
        QVERIFY(m_engine->setPaused(QString(), true)); // the tasks stay queued: the files stay in cur/
        QVERIFY(dropFile(m_spool, QStringLiteral("linked.json"), R"({"type":"noop"})"));
        QVERIFY(dropFile(m_spool, QStringLiteral("renamed.jsonl"), "{\"type\":\"noop\"}\n{\"type\":\"noop\"}\n"));
        QVERIFY(first->ingest(100));
        QCOMPARE(taskCount(), 3);
    }
    // A crash after the commit, before new/ was cleaned up: with hard links the file is in both folders...
    QVERIFY(::link(QFile::encodeName(m_spool + QStringLiteral("/cur/linked.json")).constData(),
                QFile::encodeName(m_spool + QStringLiteral("/new/linked.json")).constData())
        == 0);
    // ... without them (the rename fallback) it is still only in new/.
    QVERIFY(
        QFile::rename(m_spool + QStringLiteral("/cur/renamed.jsonl"), m_spool + QStringLiteral("/new/renamed.jsonl")));

    auto second = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(second);
    QCOMPARE(*second->adoptCur(), 0); // linked.json is still being ingested: left to ingest()
    QVERIFY(filesIn(m_spool, QStringLiteral("failed")).isEmpty());
    const Result<int> taken = second->ingest(100);
    QVERIFY2(taken, qPrintable(taken.errorString()));
    QCOMPARE(*taken, 2);
    QCOMPARE(taskCount(), 3); // the keys found the stored tasks
    QVERIFY(filesIn(m_spool, QStringLiteral("new")).isEmpty());
    QCOMPARE(second->trackedFiles(), 2);
    QVERIFY(m_engine->setPaused(QString(), false));
    QVERIFY(finishAll(*second, 2));
    QCOMPARE(filesIn(m_spool, QStringLiteral("done")).size(), 4);
}

void TestSpoolIngester::restartAdoptsFilesInCur()
{
    QVERIFY(m_engine->setPaused(QString(), true));
    {
        auto first = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
        QVERIFY(first);
        QVERIFY(dropFile(m_spool, QStringLiteral("a.json"), R"({"type":"noop"})"));
        QVERIFY(first->ingest(100));
    }
    // A file in cur/ whose task is gone (purged while no spool ran).
    QFile orphan(m_spool + QStringLiteral("/cur/orphan.json"));
    QVERIFY(orphan.open(QIODevice::WriteOnly));
    orphan.write(R"({"type":"noop"})");
    orphan.close();

    auto second = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(second);
    QCOMPARE(*second->adoptCur(), 1);
    QCOMPARE(
        resultOf(QStringLiteral("failed"), QStringLiteral("orphan.json")).value(QStringLiteral("error")).toString(),
        QStringLiteral("no task holds its idempotency key (purged, or its commit was lost)"));
    QCOMPARE(taskCount(), 1);
    QVERIFY(m_engine->setPaused(QString(), false));
    QVERIFY(finishAll(*second, 1));
    QVERIFY(QFile::exists(m_spool + QStringLiteral("/done/a.json")));
}

void TestSpoolIngester::sameNameWaitsForTheFirstToEnd()
{
    QVERIFY(m_engine->setPaused(QString(), true));
    auto spool = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(spool);
    QVERIFY(dropFile(m_spool, QStringLiteral("same.json"), R"({"type":"noop","payload":{"v":1}})"));
    QVERIFY(spool->ingest(100));
    QVERIFY(dropFile(m_spool, QStringLiteral("same.json"), R"({"type":"noop","payload":{"v":2}})"));
    QCOMPARE(*spool->ingest(100), 0);
    QCOMPARE(taskCount(), 1);
    QCOMPARE(m_problems.size(), 1);
    QVERIFY(m_problems.first().reason.startsWith(QStringLiteral("waits")));
    QVERIFY(m_engine->setPaused(QString(), false));
    QVERIFY(finishAll(*spool, 1));
    QCOMPARE(*spool->ingest(100), 1);
    QCOMPARE(taskCount(), 2);
    QVERIFY(finishAll(*spool, 1));
    // The second goes beside the first under a new name, each with its result.
    QCOMPARE(filesIn(m_spool, QStringLiteral("done")),
        QStringList({QStringLiteral("same.json"), QStringLiteral("same.json.1"),
            QStringLiteral("same.json.1.result.json"), QStringLiteral("same.json.result.json")}));
}

// A queue that requires signed tasks: a file with an unsigned, badly signed or unkeyed signed task goes to failed/
// whole with the reason, as a malformed one does; the others are stored.
void TestSpoolIngester::refusedSignaturesGoToFailedWithTheReason()
{
    const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
    QVERIFY(
        m_engine
            ->runInWriter([&](TaskStore& store) {
                if (Status s = store.addProducerKey({pair.id, QStringLiteral("uploader"), pair.publicKey, 0, 0}, 1); !s)
                    return s;
                return store.setRequireSigned(QStringLiteral("secure"), true, 1);
            })
            .ok());
    // A task file's line: the task signed, then changed by `tamper`.
    const auto line = [&](const QString& key, const std::function<void(NewTask&)>& tamper = {}) {
        NewTask t = task(QStringLiteral("noop"), QStringLiteral("secure"), R"({"n":1})");
        t.idempotencyKey = key;
        crypto::signTask(t, pair);
        if (tamper)
            tamper(t);
        QJsonObject o {{QStringLiteral("type"), t.type}, {QStringLiteral("queue"), t.queue},
            {QStringLiteral("payload"), QJsonDocument::fromJson(t.payload).object()}};
        if (!t.idempotencyKey.isEmpty())
            o.insert(QStringLiteral("idempotencyKey"), t.idempotencyKey);
        if (!t.signature.isEmpty())
            o.insert(QStringLiteral("signature"), QString::fromLatin1(t.signature.toBase64()));
        if (!t.signatureKeyId.isEmpty())
            o.insert(QStringLiteral("signatureKeyId"), t.signatureKeyId);
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    };
    const auto unsign = [](NewTask& t) {
        t.signature.clear();
        t.signatureKeyId.clear();
    };
    auto spool = ingester(SpoolConfig {m_spool, {}, {}, {}, QStringLiteral("default")});
    QVERIFY(spool);
    QVERIFY(dropFile(m_spool, QStringLiteral("good.json"), line(QStringLiteral("k1"))));
    const QList<std::pair<QString, QByteArray>> bad {
        {QStringLiteral("unsigned.json"), line(QStringLiteral("k2"), unsign)},
        {QStringLiteral("tampered.json"), line(QStringLiteral("k3"), [](NewTask& t) { t.payload = R"({"n":2})"; })},
        {QStringLiteral("unkeyed.json"), line(QString())},
        {QStringLiteral("mixed.jsonl"), line(QStringLiteral("k4")) + '\n' + line(QStringLiteral("k5"), unsign)},
    };
    const QStringList reasons {QStringLiteral("requires signed tasks"), QStringLiteral("does not verify"),
        QStringLiteral("its own idempotencyKey"), QStringLiteral("task 2 of the file: Queue \"secure\" requires")};
    for (const auto& [name, content] : bad)
        QVERIFY(dropFile(m_spool, name, content));
    const Result<int> taken = spool->ingest(100);
    QVERIFY2(taken, qPrintable(taken.errorString()));
    QCOMPARE(*taken, int(bad.size()) + 1);
    QCOMPARE(taskCount(), 1); // good.json's: not even the signed first line of mixed.jsonl
    QCOMPARE(
        scalar(*m_reader, QStringLiteral("SELECT count(*) FROM tasks WHERE producer_key_id = '%1'").arg(pair.id)), 1);
    QVERIFY(filesIn(m_spool, QStringLiteral("new")).isEmpty());
    QCOMPARE(filesIn(m_spool, QStringLiteral("cur")), QStringList {QStringLiteral("good.json")});
    for (qsizetype i = 0; i < bad.size(); ++i) {
        const QJsonObject result = resultOf(QStringLiteral("failed"), bad[i].first);
        QCOMPARE(result.value(QStringLiteral("state")).toString(), QStringLiteral("rejected"));
        const QString error = result.value(QStringLiteral("error")).toString();
        QVERIFY2(error.contains(reasons[i]), qPrintable(bad[i].first + QStringLiteral(": ") + error));
    }
}

QTEST_GUILESS_MAIN(TestSpoolIngester)
#include "tst_spoolingester.moc"
