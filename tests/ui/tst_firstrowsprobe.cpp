// FirstRowsProbe (queuedesk --exit-after-first-rows): it fires once, after a paint that shows loaded rows, never
// for an empty table.
#include "uitesthelpers.h"

#include "ui/firstrowsprobe.h"
#include "ui/tasktablemodel.h"

#include <QTableView>
#include <QTest>

using namespace qd;
using namespace qd::test;
using namespace qd::ui;

class TestFirstRowsProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void firesOnceAfterRowsArePainted();
    void emptyTableNeverFires();
};

void TestFirstRowsProbe::firesOnceAfterRowsArePainted()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QVERIFY(engine->enqueueBatch(makeTasks(300)));
    QTableView view;
    TaskTableModel model(engine.get());
    view.setModel(&model);
    int fired = 0;
    bool loadedWhenFired = false;
    new FirstRowsProbe(&view, [&] {
        ++fired;
        loadedWhenFired = model.index(0, 0).data(TaskTableModel::LoadedRole).toBool();
    });
    view.resize(800, 400);
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(fired, 1, backgroundTimeoutMs);
    QVERIFY(loadedWhenFired);
    view.viewport()->update();
    QTest::qWait(100);
    QCOMPARE(fired, 1);
}

void TestFirstRowsProbe::emptyTableNeverFires()
{
    QTemporaryDir dir;
    auto engine = openEngine(dir);
    QVERIFY(engine);
    QTableView view;
    TaskTableModel model(engine.get());
    view.setModel(&model);
    int fired = 0;
    new FirstRowsProbe(&view, [&] { ++fired; });
    view.resize(800, 400);
    view.show();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() == 0, backgroundTimeoutMs);
    view.viewport()->update();
    QTest::qWait(200);
    QCOMPARE(fired, 0);
}

QTEST_MAIN(TestFirstRowsProbe)
#include "tst_firstrowsprobe.moc"
