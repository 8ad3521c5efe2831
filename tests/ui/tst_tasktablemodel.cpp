#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>

using namespace qd;
using qd::ui::TaskTableModel;

class TestTaskTableModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_engine = test::openEngine(m_dir);
        QVERIFY(m_engine);
        auto enqueued = m_engine->enqueueBatch(test::makeTasks(total));
        QVERIFY2(enqueued.ok(), qPrintable(enqueued.errorString()));
        QCOMPARE(enqueued->size(), total);
        m_firstId = enqueued->first().id;
        m_lastId = enqueued->last().id;
    }

    void countArrivesAndRowsLoadAsynchronously()
    {
        // No QAbstractItemModelTester here: it reads data() as soon as rows appear, which would request pages
        // before this test looks at them and make the placeholder check below a race (filterChangesResults and
        // liveChangesInsertRowsWithoutReset run the tester).
        TaskTableModel model(m_engine.get());
        QTRY_COMPARE(model.rowCount(), total);
        QCOMPARE(model.totalCount(), qint64(total));

        // The first page came with the count.
        const QModelIndex first = model.index(0, TaskTableModel::IdColumn);
        QVERIFY(model.data(first, TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(first, TaskTableModel::TaskIdRole).toLongLong(), m_firstId);
        QCOMPARE(model.data(model.index(0, TaskTableModel::QueueColumn)).toString(), QStringLiteral("emails"));
        QCOMPARE(model.data(model.index(0, TaskTableModel::StateColumn)).toString(), QStringLiteral("queued"));
        QCOMPARE(model.data(model.index(1, TaskTableModel::TypeColumn)).toString(), QStringLiteral("sleep"));

        // Other pages are not loaded yet: a placeholder, and the page is requested.
        const QModelIndex deep = model.index(5000, TaskTableModel::IdColumn);
        QCOMPARE(model.data(deep).toString(), TaskTableModel::placeholder());
        QTRY_VERIFY(model.data(deep, TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(deep, TaskTableModel::TaskIdRole).toLongLong(), m_firstId + 5000);
    }

    // Opening does not wait for the count before reading rows: the first page is asked for first and shown the
    // moment it arrives (inserted, not a reset), while the exact count is still unknown; the count then inserts the
    // remaining rows. The signals are what QAbstractItemModelTester accepts.
    void firstPageShowsBeforeTheCount()
    {
        TaskTableModel model(m_engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        struct Insert {
            int first, last;
            qint64 totalCount;
            bool rowZeroLoaded;
        };
        QList<Insert> inserts;
        connect(&model, &QAbstractItemModel::rowsInserted, this, [&](const QModelIndex&, int first, int last) {
            inserts.append(
                {first, last, model.totalCount(), model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool()});
        });
        QTRY_COMPARE(model.rowCount(), total);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserts.size(), 2);
        QCOMPARE(inserts.at(0).first, 0);
        QCOMPARE(inserts.at(0).last, TaskTableModel::pageSize - 1);
        QCOMPARE(inserts.at(0).totalCount, qint64(-1)); // shown before the count: not passed off as the count
        QVERIFY(inserts.at(0).rowZeroLoaded);
        QCOMPARE(inserts.at(1).first, TaskTableModel::pageSize);
        QCOMPARE(inserts.at(1).last, total - 1);
        QCOMPARE(inserts.at(1).totalCount, qint64(total));
        QCOMPARE(model.data(model.index(TaskTableModel::pageSize - 1, 0), TaskTableModel::TaskIdRole).toLongLong(),
            m_firstId + TaskTableModel::pageSize - 1);
    }

    // A filter change over rows already shown still resets the model (the rows mean something else), but the new
    // first page is read beside the count and kept through the reset: row 0 is loaded the moment the count lands.
    // A result shorter than a page is its own exact count.
    void filterChangeShowsFirstPageWithTheCount()
    {
        TaskTableModel model(m_engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.totalCount(), qint64(total));
        QList<std::pair<qint64, QString>> atReset; // count and row 0's queue at each reset
        connect(&model, &QAbstractItemModel::modelReset, this, [&] {
            atReset.append({model.totalCount(), model.data(model.index(0, TaskTableModel::QueueColumn)).toString()});
        });
        TaskFilter images;
        images.queues = {QStringLiteral("images")};
        model.setFilter(images);
        QTRY_COMPARE(model.totalCount(), qint64((total + 1) / 3));
        QCOMPARE(atReset.size(), 1);
        QCOMPARE(atReset.at(0), std::make_pair(qint64((total + 1) / 3), QStringLiteral("images")));

        TaskFilter needle;
        needle.search = QStringLiteral("needle");
        model.setFilter(needle);
        QTRY_COMPARE(model.totalCount(), qint64(total / 1000));
        QCOMPARE(model.rowCount(), total / 1000);
        QCOMPARE(atReset.size(), 2);
        QVERIFY(!atReset.at(1).second.isEmpty()); // loaded at the reset
        for (int row = 0; row < model.rowCount(); ++row)
            QVERIFY(model.data(model.index(row, 0), TaskTableModel::LoadedRole).toBool());
        QTest::qWait(200); // the count query's own reply confirms the page's count without another reset
        QCOMPARE(atReset.size(), 2);
        QCOMPARE(model.totalCount(), qint64(total / 1000));

        // From an empty result to a non-empty one: nothing shown belongs to the old filter, so no reset at all.
        TaskFilter none;
        none.states = {TaskState::Failed};
        model.setFilter(none);
        QTRY_COMPARE(model.totalCount(), qint64(0));
        const qsizetype resetsBefore = atReset.size();
        model.setFilter(images);
        QTRY_COMPARE(model.totalCount(), qint64((total + 1) / 3));
        QCOMPARE(atReset.size(), resetsBefore);
        QVERIFY(model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool());
    }

    void deepPagesUseReversedQueryAndStayInOrder()
    {
        TaskTableModel model(m_engine.get());
        QTRY_COMPARE(model.rowCount(), total);
        // The last rows come from the reversed query: they must still be in ascending order and exact.
        for (int row : {total - 1, total - 300, total / 2 + 5, total / 2 - 5}) {
            const QModelIndex idx = model.index(row, 0);
            model.data(idx);
            QTRY_VERIFY(model.data(idx, TaskTableModel::LoadedRole).toBool());
            QCOMPARE(model.data(idx, TaskTableModel::TaskIdRole).toLongLong(), m_firstId + row);
        }
    }

    void cacheStaysBounded()
    {
        TaskTableModel model(m_engine.get());
        QTRY_COMPARE(model.rowCount(), total);
        // Touch every page once, as a fast scroll through the whole table would.
        for (int row = 0; row < total; row += TaskTableModel::pageSize) {
            model.data(model.index(row, 0));
            QTRY_VERIFY(model.data(model.index(row, 0), TaskTableModel::LoadedRole).toBool());
        }
        int loadedPages = 0;
        for (int row = 0; row < total; row += TaskTableModel::pageSize)
            loadedPages += model.taskAt(row).has_value() ? 1 : 0;
        QVERIFY2(loadedPages <= TaskTableModel::maxCachedPages, qPrintable(QString::number(loadedPages)));
        QVERIFY(loadedPages > 0);
    }

    void filterChangesResults()
    {
        TaskTableModel model(m_engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), total);

        TaskFilter byQueue;
        byQueue.queues = {QStringLiteral("images")};
        model.setFilter(byQueue);
        QTRY_COMPARE(model.rowCount(), (total + 1) / 3); // n % 3 == 1 for n < 20000: 6667
        model.data(model.index(0, 0));
        QTRY_VERIFY(model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(model.index(0, TaskTableModel::QueueColumn)).toString(), QStringLiteral("images"));

        TaskFilter byType;
        byType.types = {QStringLiteral("sleep")};
        byType.queues = {QStringLiteral("emails")};
        model.setFilter(byType);
        // n % 3 == 0 and n odd: n = 3, 9, 15, ...
        QTRY_COMPARE(model.rowCount(), total / 6);

        TaskFilter search;
        search.search = QStringLiteral("needle");
        model.setFilter(search);
        QTRY_COMPARE(model.rowCount(), total / 1000);

        TaskFilter byState;
        byState.states = {TaskState::Failed};
        model.setFilter(byState);
        QTRY_COMPARE(model.totalCount(), qint64(0));
        QCOMPARE(model.rowCount(), 0);
    }

    void staleRepliesAreDropped()
    {
        TaskTableModel model(m_engine.get());
        QTRY_COMPARE(model.rowCount(), total);
        // Three filters in a row without waiting: only the last may win.
        TaskFilter a;
        a.queues = {QStringLiteral("emails")};
        TaskFilter b;
        b.search = QStringLiteral("needle");
        TaskFilter c;
        c.queues = {QStringLiteral("reports")};
        model.setFilter(a);
        model.setFilter(b);
        model.setFilter(c);
        QTRY_COMPARE(model.rowCount(), total / 3);
        QTest::qWait(200); // any late reply of a or b would land now
        QCOMPARE(model.rowCount(), total / 3);
        QCOMPARE(model.filter().queues, QStringList {QStringLiteral("reports")});
    }

    void sortChangesOrder()
    {
        TaskTableModel model(m_engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), total);
        model.sort(TaskTableModel::IdColumn, Qt::DescendingOrder);
        model.data(model.index(0, 0));
        QTRY_VERIFY(model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(model.index(0, 0), TaskTableModel::TaskIdRole).toLongLong(), m_lastId);

        model.sort(TaskTableModel::PriorityColumn, Qt::DescendingOrder);
        model.data(model.index(0, 0));
        QTRY_VERIFY(model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(model.index(0, TaskTableModel::PriorityColumn)).toInt(), 4);
        const int last = total - 1;
        model.data(model.index(last, 0));
        QTRY_VERIFY(model.data(model.index(last, 0), TaskTableModel::LoadedRole).toBool());
        QCOMPARE(model.data(model.index(last, TaskTableModel::PriorityColumn)).toInt(), 0);

        // Columns the store cannot sort by are ignored rather than faked.
        QVERIFY(!TaskTableModel::isSortable(TaskTableModel::ErrorColumn));
        model.sort(TaskTableModel::ErrorColumn);
        QCOMPARE(model.query().sortKey, TaskSortKey::Priority);
    }

    void liveChangesInsertRowsWithoutReset()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(100)).ok());
        TaskTableModel model(engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), 100);
        model.data(model.index(0, 0));
        QTRY_VERIFY(model.data(model.index(0, 0), TaskTableModel::LoadedRole).toBool());

        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        // Writes block until committed: from another thread, as the GUI does.
        test::ThreadCall done([engine] { return engine->enqueueBatch(test::makeTasks(50, 100)).ok(); });
        QTRY_COMPARE(model.rowCount(), 150);
        QVERIFY(done.result());
        QCOMPARE(resets.count(), 0);
        QVERIFY(inserted.count() >= 1);

        // A state change on a visible row repaints that row in place.
        TaskFilter first;
        first.ids = {model.data(model.index(0, 0), TaskTableModel::TaskIdRole).toLongLong()};
        test::ThreadCall cancelled([engine, first] { return engine->cancel(first).ok(); });
        QTRY_COMPARE(model.data(model.index(0, TaskTableModel::StateColumn)).toString(), QStringLiteral("cancelled"));
        QVERIFY(cancelled.result());
        QVERIFY(changed.count() >= 1);
        QCOMPARE(resets.count(), 0);
    }

    void cleanupTestCase() { m_engine.reset(); }

private:
    static constexpr int total = 20'000;
    QTemporaryDir m_dir;
    std::shared_ptr<QueueEngine> m_engine;
    qint64 m_firstId = 0;
    qint64 m_lastId = 0;
};

QTEST_MAIN(TestTaskTableModel)
#include "tst_tasktablemodel.moc"
