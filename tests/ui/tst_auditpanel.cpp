// The Audit panel: the audit log read off the GUI thread, newest first, refreshed while shown, filtered by action;
// the window's own admin actions show up there as "gui".
#include "ui/auditlogmodel.h"
#include "ui/auditpanel.h"
#include "ui/mainwindow.h"
#include "ui/readerthread.h"
#include "ui/sourcespanel.h"
#include "ui/workersview.h"
#include "uitesthelpers.h"

#include "core/taskstore.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QLabel>
#include <QTableView>

using namespace qd;
using qd::ui::AuditLogModel;

namespace {

std::shared_ptr<QueueEngine> openGuiEngine(const QTemporaryDir& dir, const QString& name)
{
    EngineOptions options;
    options.store.path = dir.filePath(name);
    options.store.actor = {QStringLiteral("dana"), QStringLiteral("desk-3"), QStringLiteral("gui")};
    options.sampleIntervalMs = 200;
    options.pollIntervalMs = 50;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open engine: %s", qPrintable(engine.errorString()));
        return {};
    }
    return std::shared_ptr<QueueEngine>(std::move(engine).value());
}

QString cell(const QAbstractItemModel& model, int row, int column)
{
    return model.data(model.index(row, column)).toString();
}

} // namespace

class TestAuditPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void modelReadsNewestFirstAndRefreshes()
    {
        auto engine = openGuiEngine(m_dir, QStringLiteral("model.db"));
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3), EnqueueAudit::Record));
        QVERIFY(engine->setPaused(QStringLiteral("emails"), true));

        ui::ReaderThread reader(engine->options().store);
        AuditLogModel model(&reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reload();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, test::backgroundTimeoutMs);
        QCOMPARE(cell(model, 0, AuditLogModel::ActionColumn), auditaction::pause);
        QCOMPARE(cell(model, 0, AuditLogModel::TargetColumn), QStringLiteral("emails"));
        QCOMPARE(cell(model, 0, AuditLogModel::WhoColumn), QStringLiteral("dana@desk-3"));
        QCOMPARE(cell(model, 0, AuditLogModel::ClientColumn), QStringLiteral("gui"));
        QCOMPARE(cell(model, 1, AuditLogModel::ActionColumn), auditaction::enqueue);
        QCOMPARE(cell(model, 1, AuditLogModel::CountColumn), QStringLiteral("3"));

        // Refreshing: an action taken meanwhile arrives at the top without asking.
        model.setRefreshing(true);
        QVERIFY(engine->setConcurrency(QStringLiteral("emails"), 2));
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, test::backgroundTimeoutMs);
        QCOMPARE(cell(model, 0, AuditLogModel::ActionColumn), auditaction::concurrency);

        model.setAction(auditaction::enqueue);
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, test::backgroundTimeoutMs);
        QCOMPARE(cell(model, 0, AuditLogModel::ActionColumn), auditaction::enqueue);
        model.setRefreshing(false);
    }

    // The window has an Audit tab; its own pause shows there, and the chooser narrows the rows.
    void windowActionsShowInTheAuditTab()
    {
        auto engine = openGuiEngine(m_dir, QStringLiteral("window.db"));
        QVERIFY(engine);
        ui::MainWindow window(engine);
        window.resize(1280, 800);
        window.show();
        QDockWidget* dock = window.findChild<QDockWidget*>(QStringLiteral("auditDock"));
        QVERIFY(dock);
        QCOMPARE(dock->windowTitle(), QStringLiteral("Audit"));
        dock->raise();
        ui::AuditPanel* panel = window.auditPanel();
        QVERIFY(panel);
        QTRY_VERIFY_WITH_TIMEOUT(panel->isVisible(), test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            panel->status()->text(), QStringLiteral("No admin actions recorded."), test::backgroundTimeoutMs);

        window.enqueueTasks(test::makeTasks(2));
        window.action(QStringLiteral("pauseAll"))->trigger();
        AuditLogModel* model = panel->model();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, test::backgroundTimeoutMs);
        QStringList actions {
            cell(*model, 0, AuditLogModel::ActionColumn), cell(*model, 1, AuditLogModel::ActionColumn)};
        actions.sort();
        QCOMPARE(actions, (QStringList {auditaction::enqueue, auditaction::pause}));
        QCOMPARE(panel->status()->text(), QStringLiteral("2 action(s)"));

        QComboBox* chooser = panel->actionChooser();
        chooser->setCurrentIndex(chooser->findData(auditaction::pause));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, test::backgroundTimeoutMs);
        QCOMPARE(cell(*model, 0, AuditLogModel::TargetColumn), QStringLiteral("*"));
        chooser->setCurrentIndex(chooser->findData(auditaction::purge));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 0, test::backgroundTimeoutMs);
    }

    // A source paused from the Sources panel and a lost process forgotten from the Workers view show in the Audit
    // tab, each under its own action in the chooser.
    void sourceAndProcessActionsShowInTheAuditTab()
    {
        auto engine = openGuiEngine(m_dir, QStringLiteral("sources.db"));
        QVERIFY(engine);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        ProcessRecord lost;
        lost.id = QStringLiteral("gone:4242:beef");
        lost.host = QStringLiteral("gone");
        lost.pid = 4242;
        lost.kind = QStringLiteral("cli");
        lost.version = lost.user = QStringLiteral("x");
        lost.beatMs = 5000;
        lost.workers = 2;
        lost.queues = QStringLiteral("*");
        QVERIFY(engine->runInWriter([&](TaskStore& store) -> Status {
            if (Status s = store.beatProcess(lost, now - 60'000, now - 86'400'000); !s)
                return s;
            return store.addSource(
                {0, QStringLiteral("spool"), QStringLiteral("inbox"), R"({"directory":"/srv/in"})", false, 0}, now);
        }));
        ui::MainWindow window(engine);
        window.resize(1280, 800);
        window.show();
        QDockWidget* dock = window.findChild<QDockWidget*>(QStringLiteral("auditDock"));
        QVERIFY(dock);
        dock->raise();
        ui::AuditPanel* panel = window.auditPanel();
        AuditLogModel* model = panel->model();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, test::backgroundTimeoutMs);
        QCOMPARE(cell(*model, 0, AuditLogModel::ActionColumn), auditaction::sourceAdd);

        Q_EMIT window.sourcesPanel()->pauseRequested(QStringLiteral("inbox"), true);
        auto* workers = window.findChild<ui::WorkersView*>();
        QVERIFY(workers);
        Q_EMIT workers->forgetRequested(lost.id, now - 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, test::backgroundTimeoutMs);

        QComboBox* chooser = panel->actionChooser();
        for (const QString& action : {auditaction::sourceAdd, auditaction::sourcePause, auditaction::sourceResume,
                 auditaction::sourceRemove, auditaction::processForget})
            QVERIFY2(chooser->findData(action) >= 0, qPrintable(action));
        chooser->setCurrentIndex(chooser->findData(auditaction::sourcePause));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, test::backgroundTimeoutMs);
        QCOMPARE(cell(*model, 0, AuditLogModel::TargetColumn), QStringLiteral("inbox"));
        QCOMPARE(cell(*model, 0, AuditLogModel::WhoColumn), QStringLiteral("dana@desk-3"));
        chooser->setCurrentIndex(chooser->findData(auditaction::processForget));
        QTRY_COMPARE_WITH_TIMEOUT(cell(*model, 0, AuditLogModel::TargetColumn), lost.id, test::backgroundTimeoutMs);
        QCOMPARE(model->rowCount(), 1);
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/audit-forget.png"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestAuditPanel)
#include "tst_auditpanel.moc"
