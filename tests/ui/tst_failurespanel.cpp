// The Failures panel (issue 18): the demo workload's failures grouped by signature, read off the GUI thread, newest
// first, and acting on a whole cluster through the window's bulk actions with the exact count first.
#include "ui/failureclustermodel.h"
#include "ui/failurespanel.h"
#include "ui/mainwindow.h"
#include "ui/readerthread.h"
#include "ui/taskinspector.h"
#include "uitesthelpers.h"

#include "core/handlers/demoworkload.h"
#include "core/taskstore.h"

#include <QAbstractItemModelTester>
#include <QDockWidget>
#include <QPushButton>
#include <QTableView>

using namespace qd;
using qd::ui::FailureClusterModel;

namespace {

qint64 unfinished(const QueueEngine& engine)
{
    qint64 n = 0;
    for (const StateCounts& c : engine.counts()) {
        n += c[std::size_t(TaskState::Queued)] + c[std::size_t(TaskState::Scheduled)]
            + c[std::size_t(TaskState::Running)];
    }
    return n;
}

// The clusters as the store reads them, on a connection of the test's own.
QList<FailureCluster> storeClusters(const QString& path, bool withTaskIds)
{
    StoreOptions options;
    options.path = path;
    auto store = TaskStore::open(options);
    if (!store)
        return {};
    FailureClusterQuery query;
    query.withTaskIds = withTaskIds;
    auto clusters = (*store)->failureClusters(query);
    return clusters ? *clusters : QList<FailureCluster>();
}

qint64 countOf(const QString& path, const TaskFilter& filter)
{
    StoreOptions options;
    options.path = path;
    auto store = TaskStore::open(options);
    if (!store)
        return -1;
    const Result<qint64> n = (*store)->countTasks(filter);
    return n ? *n : -1;
}

TaskFilter queuedOf(const QList<qint64>& ids)
{
    TaskFilter f = TaskFilter::ofIds(ids);
    f.states = {TaskState::Queued};
    return f;
}

} // namespace

class TestFailuresPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void demoFailuresGroupedNewestFirst()
    {
        runDemo();
        const QList<FailureCluster> expected = storeClusters(m_path, false);
        QVERIFY2(expected.size() >= 2, "the demo workload fails in several ways");

        auto engine = test::openEngine(m_dir, 0, false, m_name);
        QVERIFY(engine);
        ui::ReaderThread reader(engine->options().store);
        FailureClusterModel model(&reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0); // nothing read until refreshing starts
        model.setRefreshing(true);
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), int(expected.size()), test::backgroundTimeoutMs);
        QVERIFY(model.lastError().isEmpty());
        for (int row = 0; row < model.rowCount(); ++row) {
            const FailureCluster& c = model.clusters().at(row);
            QCOMPARE(c.signatureId, expected.at(row).signatureId);
            QCOMPARE(model.index(row, FailureClusterModel::CountColumn).data().toString(), QString::number(c.count));
            QCOMPARE(model.index(row, FailureClusterModel::SignatureColumn).data().toString(), c.signature);
            if (row > 0)
                QVERIFY(model.clusters().at(row - 1).lastSeen >= c.lastSeen);
        }
    }

    void clusterActionsPreviewExactlyAndAct()
    {
        runDemo();
        const QList<FailureCluster> clusters = storeClusters(m_path, true);
        QVERIFY(!clusters.isEmpty());
        auto engine = test::openEngine(m_dir, 0, false, m_name);
        QVERIFY(engine);
        ui::MainWindow window(engine);
        QStringList asked;
        bool answer = false;
        window.setConfirmHandler([&](const QString& q) {
            asked.append(q);
            return answer;
        });
        window.show();
        QDockWidget* dock = nullptr;
        for (QDockWidget* d : window.findChildren<QDockWidget*>()) {
            if (d->windowTitle() == QLatin1String("Failures"))
                dock = d;
        }
        QVERIFY(dock);
        dock->raise();
        ui::FailuresPanel* panel = window.failuresPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->model()->rowCount(), int(clusters.size()), test::backgroundTimeoutMs);
        for (QPushButton* b : {panel->button(ui::BulkJob::Op::Retry), panel->exportButton()})
            QVERIFY(!b->isEnabled()); // nothing selected

        // The newest cluster: its failed and cancelled tasks are what a retry changes.
        const FailureCluster& cluster = clusters.first();
        const qint64 retryable = countOf(m_path, *changedBy(AdminAction::Retry, TaskFilter::ofIds(cluster.taskIds)));
        QVERIFY(retryable > 0);
        panel->view()->selectRow(0);
        QCOMPARE(panel->selectedCluster(), cluster.signatureId);
        QPushButton* retry = panel->button(ui::BulkJob::Op::Retry);
        QVERIFY(retry->isEnabled());
        retry->click();
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, test::backgroundTimeoutMs);
        QVERIFY2(asked.last().startsWith(QStringLiteral("Retry %1 task(s)").arg(retryable)), qPrintable(asked.last()));
        QVERIFY2(asked.last().contains(cluster.signature.left(40)), qPrintable(asked.last()));
        QTest::qWait(100);
        QCOMPARE(countOf(m_path, queuedOf(cluster.taskIds)), qint64(0));

        answer = true;
        retry->click();
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 2, test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(countOf(m_path, queuedOf(cluster.taskIds)), retryable, test::backgroundTimeoutMs);
        // Only the cluster's tasks: every other failed task is still failed.
        qint64 otherFailed = 0;
        for (const FailureCluster& other : clusters.mid(1)) {
            TaskFilter f = TaskFilter::ofIds(other.taskIds);
            f.states = {TaskState::Failed};
            f.ids.removeIf([&](qint64 id) { return cluster.taskIds.contains(id); });
            if (!f.ids.isEmpty())
                otherFailed += countOf(m_path, f);
        }
        QVERIFY(otherFailed > 0);

        // Double-click: the sample task in the inspector.
        const QModelIndex first = panel->model()->index(0, FailureClusterModel::SignatureColumn);
        const QRect rect = panel->view()->visualRect(first);
        // A press first, as a real double-click has: the view acts on the index pressed.
        QTest::mouseClick(panel->view()->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(panel->view()->viewport(), Qt::LeftButton, {}, rect.center());
        QTRY_COMPARE(window.inspector()->taskId(), first.data(FailureClusterModel::SampleTaskIdRole).toLongLong());
    }

private:
    // The demo workload's tasks run to their end (failures retried until their attempts run out) on a fresh
    // database; m_name and m_path name it.
    void runDemo()
    {
        const QString name = QStringLiteral("%1.db").arg(QLatin1String(QTest::currentTestFunction()));
        m_name = name;
        m_path = m_dir.filePath(name);
        auto engine = test::openEngine(m_dir, 2, false, name);
        QVERIFY(engine);
        DemoWorkload demo(m_dir.filePath(name + QLatin1String("-scratch")));
        DemoWorkload::Options options;
        options.images = 4;
        options.logs = 1;
        options.logLines = 2000;
        options.sleeps = 2;
        const auto tasks = demo.build(options);
        QVERIFY2(tasks.ok(), qPrintable(tasks.errorString()));
        QVERIFY(engine->enqueueBatch(*tasks).ok());
        QTRY_COMPARE_WITH_TIMEOUT(unfinished(*engine), qint64(0), 60'000);
    }

    QTemporaryDir m_dir;
    QString m_name;
    QString m_path;
};

QTEST_MAIN(TestFailuresPanel)
#include "tst_failurespanel.moc"
