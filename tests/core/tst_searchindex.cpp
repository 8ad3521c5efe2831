// Payload search through SQLite's trigram index finds exactly what a LIKE scan finds: indexed rows, the unindexed
// tail, errors, after purges that free ids for reuse. On the servers both sides are the LIKE scan.
#include "storetestutil.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace qd::test;

class TestSearchIndex : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void indexedSearchEqualsLikeScan();
    void purgedIdsGivenAgainAreIndexedAgain();
    void engineIndexesNewTasksInTheBackground();

private:
    // Payloads from a small alphabet, so that short random searches match some and miss others.
    QByteArray randomPayload();
    // Searches drawn from stored payloads (substrings, case changed) and from nowhere, each compared.
    void compareRandomSearches(int searches);
    QList<qint64> ids(TaskStore& store, const TaskFilter& filter);

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<TaskStore> m_store; // searches through the index (on SQLite)
    std::unique_ptr<TaskStore> m_reference; // the same database, LIKE only
    QList<QByteArray> m_payloads;
    QRandomGenerator m_random;
    qint64 m_now = 1'700'000'000'000;
};

void TestSearchIndex::init()
{
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo() << "seed" << seed;
    m_random.seed(seed);
    m_payloads.clear();
    m_path = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_store = openStore(m_path);
    QVERIFY(m_store);
    StoreOptions options;
    options.path = m_path;
    options.useSearchIndex = false;
    auto reference = TaskStore::open(options);
    QVERIFY2(reference, qPrintable(reference.errorString()));
    m_reference = std::move(reference).value();
    QCOMPARE(m_store->hasSearchIndex(), !onServer());
    QVERIFY(!m_reference->hasSearchIndex());
}

void TestSearchIndex::cleanup()
{
    m_reference.reset();
    m_store.reset();
}

QByteArray TestSearchIndex::randomPayload()
{
    static const QStringList pieces {QStringLiteral("ab"), QStringLiteral("Ba"), QStringLiteral("c_"),
        QStringLiteral("%d"), QStringLiteral("é"), QStringLiteral("\"q\""), QStringLiteral("/x/"), QStringLiteral(" "),
        QStringLiteral("Ωm"), QStringLiteral("7")};
    QString text;
    const int n = 2 + int(m_random.bounded(10));
    for (int i = 0; i < n; ++i)
        text += pieces.at(int(m_random.bounded(int(pieces.size()))));
    const QByteArray payload = R"({"v":")" + text.toUtf8().replace('"', "\\\"") + R"("})";
    m_payloads.append(payload);
    return payload;
}

QList<qint64> TestSearchIndex::ids(TaskStore& store, const TaskFilter& filter)
{
    QList<qint64> result;
    auto tasks = store.listTasks({filter, TaskSortKey::Id, true, 0, 100'000});
    if (!tasks) {
        qWarning() << tasks.errorString();
        return {-1};
    }
    for (const Task& t : *tasks)
        result.append(t.id);
    return result;
}

void TestSearchIndex::compareRandomSearches(int searches)
{
    int matched = 0;
    for (int i = 0; i < searches; ++i) {
        TaskFilter filter;
        if (i % 7 == 6) {
            filter.search = QStringLiteral("zz%1").arg(i); // in no payload
        } else {
            const QString source = QString::fromUtf8(m_payloads.at(int(m_random.bounded(int(m_payloads.size())))));
            const int length = 1 + int(m_random.bounded(6));
            const int from = int(m_random.bounded(std::max(1, int(source.size()) - length)));
            filter.search = source.mid(from, length);
            if (i % 3 == 0)
                filter.search = filter.search.toUpper();
        }
        if (i % 5 == 0)
            filter.states = {TaskState::Queued, TaskState::Failed};
        const QList<qint64> expected = ids(*m_reference, filter);
        QCOMPARE(ids(*m_store, filter), expected);
        QCOMPARE(*m_store->countTasks(filter), qint64(expected.size()));
        matched += expected.isEmpty() ? 0 : 1;
    }
    QVERIFY2(matched > searches / 3, "most searches should find something");
}

void TestSearchIndex::indexedSearchEqualsLikeScan()
{
    QList<NewTask> batch;
    for (int i = 0; i < 3000; ++i)
        batch.append(task(QStringLiteral("noop"), QStringLiteral("default"), randomPayload()));
    QVERIFY(m_store->enqueue(batch, m_now));
    compareRandomSearches(40); // nothing indexed: all of it is the tail

    QCOMPARE(*m_store->indexSearchBatch(1000), qint64(onServer() ? 0 : 1000));
    QCOMPARE(*m_store->indexSearchBatch(1000), qint64(onServer() ? 0 : 1000));
    compareRandomSearches(60); // two thirds indexed, the newest third read by LIKE

    // Errors are searched too: failed tasks, and a task that failed once and then succeeded (its error cleared).
    auto claimed = m_store->claim(QStringLiteral("default"), 200, QStringLiteral("w"), 60'000, m_now);
    QVERIFY(claimed);
    for (qsizetype i = 0; i < claimed->size(); ++i) {
        const Task& t = claimed->at(i);
        if (i % 2 == 0)
            QVERIFY(m_store->fail(t.id, t.attempts, QStringLiteral("w"), {}, QStringLiteral("Boom ab%1").arg(i),
                i % 4 == 0, std::nullopt, m_now));
        else
            QVERIFY(m_store->complete(t.id, t.attempts, QStringLiteral("w"), {}, "{}", m_now));
    }
    TaskFilter errors;
    errors.search = QStringLiteral("boom AB1");
    const QList<qint64> withErrors = ids(*m_reference, errors);
    QVERIFY(!withErrors.isEmpty());
    QCOMPARE(ids(*m_store, errors), withErrors);
    QCOMPARE(*m_store->indexSearchBatch(5000), qint64(onServer() ? 0 : 1000));
    QCOMPARE(*m_store->indexSearchBatch(5000), qint64(0));
    compareRandomSearches(60);
    QCOMPARE(ids(*m_store, errors), withErrors);
}

void TestSearchIndex::purgedIdsGivenAgainAreIndexedAgain()
{
    QList<NewTask> batch;
    for (int i = 0; i < 500; ++i)
        batch.append(task(QStringLiteral("noop"), QStringLiteral("default"), randomPayload()));
    auto added = m_store->enqueue(batch, m_now);
    QVERIFY(added);
    QVERIFY(m_store->indexSearchBatch(1000));
    // The newest 100 go, and new tasks take their ids (SQLite gives the highest id + 1) with other payloads.
    TaskFilter newest;
    for (qsizetype i = 400; i < 500; ++i)
        newest.ids.append(added->at(i).id);
    QCOMPARE(*m_store->purge(newest), qint64(100));
    m_payloads = m_payloads.mid(0, 400);
    batch.clear();
    for (int i = 0; i < 150; ++i)
        batch.append(task(QStringLiteral("noop"), QStringLiteral("default"), randomPayload()));
    QVERIFY(m_store->enqueue(batch, m_now));
    compareRandomSearches(40); // the given-again ids are the unindexed tail
    QVERIFY(m_store->indexSearchBatch(1000));
    compareRandomSearches(40); // indexed again; the purged payloads' entries find nothing
}

void TestSearchIndex::engineIndexesNewTasksInTheBackground()
{
    if (onServer())
        QSKIP("SQLite's index only");
    m_store.reset();
    m_reference.reset();
    EngineOptions options;
    options.store.path = m_path;
    options.searchIndexIntervalMs = 50;
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    QList<NewTask> batch;
    for (int i = 0; i < 5000; ++i)
        batch.append(task(QStringLiteral("noop"), QStringLiteral("default"), randomPayload()));
    auto added = (*engine)->enqueueBatch(batch);
    QVERIFY(added);
    auto store = openStore(m_path, true);
    QVERIFY(store);
    QTRY_COMPARE_WITH_TIMEOUT(
        scalar(*store, QStringLiteral("SELECT last_task_id FROM task_search_cursor")), added->last().id, 20'000);
    const qint64 withSlashes = scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE payload LIKE '%/x/%'"));
    QVERIFY(withSlashes > 0);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM task_search WHERE task_search MATCH '\"/x/\"'")),
        withSlashes);
}

QTEST_GUILESS_MAIN(TestSearchIndex)
#include "tst_searchindex.moc"
