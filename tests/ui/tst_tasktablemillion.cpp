#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QElapsedTimer>
#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>

using namespace qd;
using qd::ui::TaskTableModel;

// The table at a million tasks: the GUI thread must never block. Slow (it builds the database), so it only runs
// when QD_UI_MILLION is set: `QD_UI_MILLION=1 ctest -R tst_tasktablemillion`.
class TestTaskTableMillion : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void scrollsWithoutBlocking()
    {
        if (qEnvironmentVariableIsEmpty("QD_UI_MILLION"))
            QSKIP("set QD_UI_MILLION=1 to run");
        constexpr int total = 1'000'000;
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QElapsedTimer fill;
        fill.start();
        for (int done = 0; done < total; done += 50'000)
            QVERIFY(engine->enqueueBatch(test::makeTasks(50'000, done)).ok());
        qInfo("enqueued %d tasks in %lld ms", total, qint64(fill.elapsed()));

        TaskTableModel model(engine.get());
        QTableView view;
        view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        view.verticalHeader()->setDefaultSectionSize(20);
        view.setModel(&model);
        view.resize(1000, 700);
        view.show();
        QElapsedTimer t;
        t.start();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), total, 20000);
        qInfo("count arrived after %lld ms", qint64(t.elapsed()));

        // Jump around as a scrollbar drag would; every GUI-thread step (scroll + paint) must stay short.
        qint64 worstStepMs = 0;
        for (int row : {0, 500'000, 999'950, 250'000, 750'000, 999'000, 10'000}) {
            t.restart();
            view.scrollTo(model.index(row, 0), QAbstractItemView::PositionAtTop);
            view.viewport()->repaint();
            worstStepMs = std::max(worstStepMs, qint64(t.elapsed()));
            QElapsedTimer loaded;
            loaded.start();
            QTRY_VERIFY_WITH_TIMEOUT(model.data(model.index(row, 0), TaskTableModel::LoadedRole).toBool(), 10000);
            QCOMPARE(model.data(model.index(row, 0)).toLongLong(), qint64(row + 1));
            qInfo("row %d loaded %lld ms after the scroll", row, qint64(loaded.elapsed()));
        }
        qInfo("worst GUI-thread step: %lld ms", worstStepMs);
        QVERIFY2(worstStepMs < 100, qPrintable(QString::number(worstStepMs)));
    }
};

QTEST_MAIN(TestTaskTableMillion)
#include "tst_tasktablemillion.moc"
