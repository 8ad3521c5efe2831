// What a window holds back until its first rows are painted: AfterFirstRows (after the paint of rows or of a table
// known to be empty; at the latest after its fallback), a ReaderThread started later, and the task table's count
// inserting the other rows only after the first rows' paint.
#include "uitesthelpers.h"

#include "ui/afterfirstrows.h"
#include "ui/readerthread.h"
#include "ui/tasktablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace qd;
using namespace qd::test;
using namespace qd::ui;

namespace {

// The model's row count at the first paint of the view that shows row 0 loaded, taken during that paint.
class RowsAtFirstPaint : public QObject {
public:
    RowsAtFirstPaint(QTableView* view)
        : m_view(view)
    {
        view->viewport()->installEventFilter(this);
    }
    int rows = -1;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && rows < 0 && m_view->model()->rowCount() > 0
            && m_view->model()->index(0, 0).data(TaskTableModel::LoadedRole).toBool())
            rows = m_view->model()->rowCount();
        return QObject::eventFilter(watched, event);
    }

private:
    QTableView* m_view;
};

} // namespace

class TestAfterFirstRows : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runsOnceAfterRowsArePainted();
    void runsAfterAnEmptyTableIsPainted();
    void fallsBackWhenTheTableIsNeverShown();
    void readerStartedLaterRunsWhatWasPosted();
    void countInsertsTheOtherRowsAfterTheFirstPaint();
};

void TestAfterFirstRows::runsOnceAfterRowsArePainted()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QVERIFY(engine->enqueueBatch(makeTasks(300)));
    QTableView view;
    TaskTableModel model(engine.get());
    view.setModel(&model);
    int ran = 0;
    bool loadedWhenRun = false;
    auto* gate = new AfterFirstRows(&view, [&] {
        ++ran;
        loadedWhenRun = model.index(0, 0).data(TaskTableModel::LoadedRole).toBool();
    });
    QCOMPARE(ran, 0);
    view.resize(800, 400);
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(ran, 1, backgroundTimeoutMs);
    QVERIFY(loadedWhenRun);
    QVERIFY(gate->hasRun());
    view.viewport()->update();
    QTest::qWait(AfterFirstRows::defaultFallbackMs + 200); // neither a repaint nor the fallback runs it again
    QCOMPARE(ran, 1);
}

void TestAfterFirstRows::runsAfterAnEmptyTableIsPainted()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QTableView view;
    TaskTableModel model(engine.get());
    view.setModel(&model);
    int ran = 0;
    qint64 countWhenRun = -1;
    new AfterFirstRows(
        &view,
        [&] {
            ++ran;
            countWhenRun = model.totalCount();
        },
        60'000); // far beyond the test's wait: only the paint can run it
    view.resize(800, 400);
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(ran, 1, backgroundTimeoutMs);
    QCOMPARE(countWhenRun, 0);
}

void TestAfterFirstRows::fallsBackWhenTheTableIsNeverShown()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QVERIFY(engine->enqueueBatch(makeTasks(10)));
    QTableView view; // never shown: never painted
    TaskTableModel model(engine.get());
    view.setModel(&model);
    int ran = 0;
    new AfterFirstRows(
        &view, [&] { ++ran; }, 300);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 10, backgroundTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(ran, 1, backgroundTimeoutMs);
    QTest::qWait(400);
    QCOMPARE(ran, 1);
}

void TestAfterFirstRows::readerStartedLaterRunsWhatWasPosted()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QVERIFY(engine->enqueueBatch(makeTasks(5)));
    ReaderThread reader(engine->options().store, nullptr, ReaderThread::Start::Later);
    // The answers in the order they reach this thread (a QSignalSpy would append on the reader's thread).
    QStringList answered;
    QStringList typesRead;
    QObject receiver;
    connect(reader.reader(), &StoreReader::typesFetched, &receiver, [&](const QStringList& types) {
        answered.append(QStringLiteral("types"));
        typesRead = types;
    });
    connect(reader.reader(), &StoreReader::processesFetched, &receiver,
        [&] { answered.append(QStringLiteral("processes")); });
    reader.post([](StoreReader* r) { r->fetchTypes(); });
    reader.post([](StoreReader* r) { r->fetchProcesses(7); });
    QTest::qWait(300);
    QVERIFY(answered.isEmpty()); // held until start()
    reader.start();
    reader.start(); // a second start changes nothing
    QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 2, backgroundTimeoutMs);
    QCOMPARE(answered, (QStringList {QStringLiteral("types"), QStringLiteral("processes")})); // posted first, first
    QVERIFY(!typesRead.isEmpty());
}

// The first page shows at once; with the count held (as TasksPanel does), its insertion of the other rows (costly at
// a million: the view's header keeps a record per row) waits until the first rows are painted.
void TestAfterFirstRows::countInsertsTheOtherRowsAfterTheFirstPaint()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    constexpr int total = TaskTableModel::pageSize * 3;
    QVERIFY(engine->enqueueBatch(makeTasks(total)));
    {
        // Held and never released: the first page alone, its count unknown.
        TaskTableModel model(engine.get());
        model.holdFirstCount();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), TaskTableModel::pageSize, backgroundTimeoutMs);
        QTest::qWait(300);
        QCOMPARE(model.rowCount(), TaskTableModel::pageSize);
        QCOMPARE(model.totalCount(), qint64(-1));
        model.releaseFirstCount();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), total, backgroundTimeoutMs);
        QCOMPARE(model.totalCount(), qint64(total));
    }
    QTableView view;
    TaskTableModel model(engine.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.holdFirstCount();
    view.setModel(&model);
    RowsAtFirstPaint firstPaint(&view);
    new AfterFirstRows(
        &view, [&] { model.releaseFirstCount(); }, 60'000);
    view.resize(800, 400);
    view.show();
    QTRY_VERIFY_WITH_TIMEOUT(firstPaint.rows >= 0, backgroundTimeoutMs);
    QCOMPARE(firstPaint.rows, TaskTableModel::pageSize);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), total, backgroundTimeoutMs);
    QCOMPARE(model.totalCount(), qint64(total));
}

QTEST_MAIN(TestAfterFirstRows)
#include "tst_afterfirstrows.moc"
