// Issue 18's alerts in the window: the Alerts panel lists the database's rules and history, the editor validates as
// the admin types and stores through the background writer, the window evaluates the rules (one evaluator across
// windows, with an injected clock), and a firing raises the banner and one desktop notification per window.
#include "ui/alertbanner.h"
#include "ui/alerthistorymodel.h"
#include "ui/alertnotifier.h"
#include "ui/alertruledialog.h"
#include "ui/alertrulesmodel.h"
#include "ui/alertspanel.h"
#include "ui/durationedit.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "uitesthelpers.h"

#include "core/handlerregistry.h"
#include "core/handlers/builtinhandlers.h"
#include "core/taskstore.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabBar>
#include <QTableView>
#include <QToolButton>

#include <atomic>

using namespace qd;
using namespace qd::ui;

namespace {

// Counts the desktop notifications a window asks for.
class CountingNotifier final : public AlertNotifier {
public:
    explicit CountingNotifier(std::shared_ptr<QList<AlertTransition>> seen)
        : m_seen(std::move(seen))
    { }
    void notifyFired(const AlertTransition& fired) override { m_seen->append(fired); }

private:
    std::shared_ptr<QList<AlertTransition>> m_seen;
};

Result<qint64> addRule(QueueEngine& engine, const QJsonObject& json)
{
    qint64 id = 0;
    const Status added = engine.runInWriter([&](TaskStore& store) -> Status {
        auto r = store.addAlertRule(QJsonDocument(json).toJson(QJsonDocument::Compact), 1);
        if (!r)
            return r.error();
        id = *r;
        return success();
    });
    if (!added)
        return added.error();
    return id;
}

QList<AlertRule> storedRules(QueueEngine& engine)
{
    QList<AlertRule> rules;
    const Status read = engine.runInWriter([&](TaskStore& store) -> Status {
        auto records = store.alertRules();
        if (!records)
            return records.error();
        for (const AlertRuleRecord& r : *records) {
            auto rule = AlertRule::fromJson(QJsonDocument::fromJson(r.definition).object());
            if (!rule)
                return rule.error();
            rule->id = r.id;
            rules.append(*rule);
        }
        return success();
    });
    if (!read)
        qWarning("cannot read the rules: %s", qPrintable(read.errorString()));
    return rules;
}

QString cell(const QAbstractItemModel* model, int row, int column)
{
    return model->index(row, column).data().toString();
}

// Tasks waiting in `queue`, for a length rule to see.
bool enqueueWaiting(QueueEngine& engine, const QString& queue, int count)
{
    QList<NewTask> tasks;
    for (int i = 0; i < count; ++i) {
        NewTask t;
        t.queue = queue;
        t.type = QStringLiteral("noop");
        tasks.append(t);
    }
    return engine.setPaused(queue, true).ok() && engine.enqueueBatch(tasks).ok();
}

// The front tab of the dock tab bar that holds `tab`.
QString frontTab(const QMainWindow& window, const QString& tab)
{
    for (const QTabBar* bar : window.findChildren<QTabBar*>()) {
        for (int i = 0; i < bar->count(); ++i) {
            if (bar->tabText(i) == tab)
                return bar->tabText(bar->currentIndex());
        }
    }
    return QStringLiteral("<no tab %1>").arg(tab);
}

const QJsonObject backlogRule {{QStringLiteral("name"), QStringLiteral("images backlog")},
    {QStringLiteral("condition"), QStringLiteral("length")}, {QStringLiteral("queue"), QStringLiteral("images")},
    {QStringLiteral("threshold"), 5}, {QStringLiteral("forMs"), 0}};

} // namespace

class TestAlertsPanel : public QObject {
    Q_OBJECT

    // A window evaluating every 50 ms on `clock`'s time.
    static AlertWatcher::Options fastAlerts(const std::shared_ptr<std::atomic<qint64>>& clock)
    {
        AlertWatcher::Options options;
        options.intervalMs = 50;
        options.clock = [clock] { return clock->load(); };
        return options;
    }

    // A window evaluating every 100 ms on the system clock.
    static AlertWatcher::Options quickAlerts()
    {
        AlertWatcher::Options options;
        options.intervalMs = 100;
        return options;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_alertspanel"));
    }

    void panelListsTheStoredRules()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(addRule(*engine, backlogRule));
        QVERIFY(addRule(*engine,
            QJsonObject {{QStringLiteral("condition"), QStringLiteral("failure-rate")},
                {QStringLiteral("threshold"), 0.05}, {QStringLiteral("forMs"), 300'000},
                {QStringLiteral("enabled"), false}}));

        MainWindow window(engine, quickAlerts());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        AlertsPanel* panel = window.alertsPanel();
        QAbstractItemModelTester rulesTester(
            panel->rulesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester historyTester(
            panel->historyModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QAbstractItemModel* rules = panel->rulesModel();
        QTRY_COMPARE_WITH_TIMEOUT(rules->rowCount(), 2, test::backgroundTimeoutMs);
        QCOMPARE(cell(rules, 0, AlertRulesModel::NameColumn), QStringLiteral("images backlog"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::ConditionColumn), QStringLiteral("tasks waiting"));
        QCOMPARE(rules->index(0, AlertRulesModel::ConditionColumn).data(Qt::ToolTipRole).toString(),
            QStringLiteral("length of images above 5"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::QueueColumn), QStringLiteral("images"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::ThresholdColumn), QStringLiteral("5"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::ForColumn), QStringLiteral("at once"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::EnabledColumn), QStringLiteral("yes"));
        QCOMPARE(cell(rules, 1, AlertRulesModel::NameColumn), QStringLiteral("rule 2"));
        QCOMPARE(cell(rules, 1, AlertRulesModel::ConditionColumn), QStringLiteral("failure rate"));
        QCOMPARE(cell(rules, 1, AlertRulesModel::QueueColumn), QStringLiteral("all"));
        QCOMPARE(cell(rules, 1, AlertRulesModel::ThresholdColumn), QLocale().toString(5.0, 'f', 1) + u'%');
        QCOMPARE(cell(rules, 1, AlertRulesModel::ForColumn), QStringLiteral("5m 00s"));
        QCOMPARE(cell(rules, 1, AlertRulesModel::StateColumn), QStringLiteral("disabled"));
        // Nothing waits in images: the enabled rule is evaluated here and holds nothing.
        QTRY_COMPARE(cell(rules, 0, AlertRulesModel::StateColumn), QStringLiteral("ok"));
        QTRY_VERIFY(panel->evaluatorLabel()->text().contains(QLatin1String("this window")));

        // A rule another process adds (the CLI's `alerts add` writes the same row) shows at the next read.
        {
            StoreOptions options = engine->options().store;
            auto store = TaskStore::open(options);
            QVERIFY(store);
            QVERIFY((*store)->addAlertRule(
                QJsonDocument(QJsonObject {{QStringLiteral("condition"), QStringLiteral("will-not-drain")}})
                    .toJson(QJsonDocument::Compact),
                1));
        }
        QTRY_COMPARE_WITH_TIMEOUT(rules->rowCount(), 3, test::backgroundTimeoutMs);
        QCOMPARE(cell(rules, 2, AlertRulesModel::ConditionColumn), QStringLiteral("will not drain"));
        QCOMPARE(rules->index(2, AlertRulesModel::NameColumn).data(Qt::ToolTipRole).toString(),
            QStringLiteral("all queues will not drain"));
        QCOMPARE(cell(rules, 2, AlertRulesModel::ThresholdColumn), QStringLiteral("\u2014"));
        QVERIFY(!window.alertBanner()->isVisible());
    }

    void readOnlyWindowShowsTheRulesAndNeverEvaluates()
    {
        QTemporaryDir dir;
        auto writable = test::openEngine(dir);
        QVERIFY(writable);
        QVERIFY(addRule(*writable, backlogRule));
        QVERIFY(enqueueWaiting(*writable, QStringLiteral("images"), 10));
        auto readOnly = test::openEngine(dir, 0, true);
        QVERIFY(readOnly);

        MainWindow window(readOnly, quickAlerts());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        AlertsPanel* panel = window.alertsPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->rulesModel()->rowCount(), 1, test::backgroundTimeoutMs);
        QSignalSpy snapshots(window.alertWatcher(), &AlertWatcher::snapshotChanged);
        QTRY_VERIFY(snapshots.size() >= 3);
        // Nobody evaluates: the rule is not firing although 10 tasks wait, and the panel says why.
        QVERIFY(panel->evaluatorLabel()->text().startsWith(QLatin1String("Not evaluated")));
        QCOMPARE(cell(panel->rulesModel(), 0, AlertRulesModel::StateColumn), QStringLiteral("ok"));
        QVERIFY(!window.alertBanner()->isVisible());
        for (const char* button :
            {"addAlertRule", "editAlertRule", "removeAlertRule", "enableAlertRule", "disableAlertRule"})
            QVERIFY(!panel->findChild<QPushButton*>(QLatin1String(button))->isEnabled());
        QCOMPARE(window.showAlertRuleDialog(), nullptr);
        const Status leaseFree = writable->runInWriter([](TaskStore& store) -> Status {
            auto record = store.alertMonitorRecord();
            if (!record)
                return record.error();
            return record->owner.isEmpty() ? success() : Error {ErrorCode::Internal, record->owner};
        });
        QVERIFY2(leaseFree, qPrintable(leaseFree.errorString()));
    }

    void invalidRuleKeepsOkDisabledWithTheReason()
    {
        auto registry = HandlerRegistry::createDefault();
        registerBuiltinHandlers(*registry);
        AlertRuleDialog dialog(*registry, {QStringLiteral("images")});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        auto* percent = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("rulePercent"));
        auto* count = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("ruleCount"));
        auto* window = dialog.findChild<QComboBox*>(QStringLiteral("ruleWindow"));
        auto* duration = dialog.findChild<DurationEdit*>(QStringLiteral("ruleDuration"));
        auto* webhook = dialog.findChild<QLineEdit*>(QStringLiteral("ruleWebhook"));
        auto* webhookProblem = dialog.findChild<QLabel*>(QStringLiteral("ruleWebhookProblem"));
        auto* summary = dialog.findChild<QLabel*>(QStringLiteral("ruleSummary"));

        // The default, a length rule: valid, and only its fields show.
        QVERIFY(dialog.isInputValid());
        QVERIFY(ok->isEnabled());
        QVERIFY(count->isVisible());
        QVERIFY(!percent->isVisible());
        QVERIFY(!window->isVisible());
        QVERIFY(!duration->isVisible());
        QVERIFY(summary->text().contains(QLatin1String("length of all queues above 1,000")));

        // A failure rate of 0% is no rule: the reason is the rule's own, named as the form names the field.
        dialog.setCondition(AlertCondition::FailureRate);
        QVERIFY(percent->isVisible());
        QVERIFY(window->isVisible());
        QVERIFY(!count->isVisible());
        percent->setValue(0);
        QVERIFY(!dialog.isInputValid());
        QVERIFY(!ok->isEnabled());
        QVERIFY2(dialog.validationMessage().startsWith(QLatin1String("Threshold of a failure rate is a share")),
            qPrintable(dialog.validationMessage()));
        QCOMPARE(summary->text(), dialog.validationMessage());
        QCOMPARE(ok->toolTip(), dialog.validationMessage());
        percent->setValue(12.5);
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog.rule().threshold, 0.125);

        // The webhook: a URL the rule refuses, then one the notify handler's network policy refuses, beside the field.
        webhook->setText(QStringLiteral("ftp://hooks.example.com/x"));
        QVERIFY(!ok->isEnabled());
        QVERIFY(!webhookProblem->text().isEmpty());
        QVERIFY2(
            webhookProblem->text().contains(QLatin1String("http:// or https://")), qPrintable(webhookProblem->text()));
        webhook->setText(QStringLiteral("http://169.254.169.254/latest"));
        QVERIFY(!ok->isEnabled());
        QVERIFY2(webhookProblem->text().contains(QLatin1String("link-local")), qPrintable(webhookProblem->text()));
        QCOMPARE(dialog.validationMessage(), webhookProblem->text());
        QCOMPARE(ok->toolTip(), webhookProblem->text());
        QCOMPARE(summary->text(), QStringLiteral("The webhook is refused (see above)."));
        webhook->setText(QStringLiteral("https://hooks.example.com/alerts"));
        QVERIFY(ok->isEnabled());
        QVERIFY(webhookProblem->text().isEmpty());

        // A silent worker process (heartbeat rows) is judged by how long it has been silent.
        dialog.setCondition(AlertCondition::WorkerSilent);
        QVERIFY2(ok->isEnabled(), qPrintable(dialog.validationMessage()));
        QVERIFY(duration->isVisible() && !count->isVisible() && !percent->isVisible());
        // "Will not drain" has no threshold to give.
        dialog.setCondition(AlertCondition::WillNotDrain);
        QVERIFY(ok->isEnabled());
        QVERIFY(!count->isVisible() && !percent->isVisible() && !duration->isVisible());

        // A picture of the editor refusing a webhook, for a look (not compared).
        dialog.setCondition(AlertCondition::FailureRate);
        webhook->setText(QStringLiteral("http://169.254.169.254/latest"));
        QTest::qWait(100); // the rows shown again are laid out by a posted request
        QVERIFY(percent->isVisible() && percent->height() > 10);
        dialog.grab().save(QDir::temp().filePath(QStringLiteral("qd-alert-rule-dialog.png")));
    }

    void commandIsCheckedAsTyped()
    {
        const QString page = QStringLiteral("/usr/local/bin/page-oncall");
        auto registry = HandlerRegistry::createDefault();
        registerBuiltinHandlers(*registry, CommandHandlerSettings {true, {page}});
        AlertRuleDialog dialog(*registry, {QStringLiteral("images")});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        auto* program = dialog.findChild<QLineEdit*>(QStringLiteral("ruleCommand"));
        auto* arguments = dialog.findChild<QLineEdit*>(QStringLiteral("ruleArguments"));
        auto* timeout = dialog.findChild<DurationEdit*>(QStringLiteral("ruleCommandTimeout"));
        auto* problem = dialog.findChild<QLabel*>(QStringLiteral("ruleCommandProblem"));
        QVERIFY(program && arguments && timeout && problem);
        QVERIFY(dialog.rule().command.isEmpty());

        // Arguments without a program are refused, not dropped.
        arguments->setText(QStringLiteral("--team ops"));
        QVERIFY(!ok->isEnabled());
        QVERIFY2(problem->text().startsWith(QLatin1String("Command must name a program")), qPrintable(problem->text()));
        QCOMPARE(dialog.validationMessage(), problem->text());

        // Split as a shell would, without one; a quote left open is an error.
        program->setText(page);
        arguments->setText(QStringLiteral("--team ops \"two words\""));
        timeout->setMilliseconds(90'000);
        QVERIFY2(ok->isEnabled(), qPrintable(dialog.validationMessage()));
        QVERIFY(problem->text().isEmpty());
        QCOMPARE(dialog.rule().command.program, page);
        QCOMPARE(dialog.rule().command.args,
            QStringList({QStringLiteral("--team"), QStringLiteral("ops"), QStringLiteral("two words")}));
        QCOMPARE(dialog.rule().command.timeoutMs, 90'000);
        dialog.grab().save(QDir::temp().filePath(QStringLiteral("qd-alert-rule-command.png")));
        arguments->setText(QStringLiteral("--team \"ops"));
        QVERIFY(!ok->isEnabled());
        QVERIFY2(problem->text().contains(QLatin1String("double quote")), qPrintable(problem->text()));
        arguments->setText(QStringLiteral("--team ops"));
        QVERIFY(ok->isEnabled());

        // A program this process's allow-list refuses: said beside the field, but the rule may still be stored (the
        // evaluating process may allow it).
        program->setText(QStringLiteral("/bin/rm"));
        QVERIFY(ok->isEnabled());
        QVERIFY2(problem->text().contains(QLatin1String("not in the allow-list")), qPrintable(problem->text()));
        dialog.grab().save(QDir::temp().filePath(QStringLiteral("qd-alert-rule-command-refused.png")));
        // The programs QueueDesk ships with run no programs at all: the same warning, with that reason.
        auto shipped = HandlerRegistry::createDefault();
        registerBuiltinHandlers(*shipped);
        AlertRuleDialog disabled(*shipped, {});
        disabled.findChild<QLineEdit*>(QStringLiteral("ruleCommand"))->setText(page);
        QVERIFY(disabled.isInputValid());
        QVERIFY(disabled.findChild<QLabel*>(QStringLiteral("ruleCommandProblem"))
                    ->text()
                    .contains(QLatin1String("disabled")));
        disabled.show();
        QVERIFY(QTest::qWaitForWindowExposed(&disabled));
        disabled.grab().save(QDir::temp().filePath(QStringLiteral("qd-alert-rule-command-disabled.png")));

        // Editing a stored rule shows its command as typed, and gives it back unchanged.
        AlertRule stored = AlertRule::fromJson(backlogRule).value();
        stored.id = 7;
        stored.command = AlertCommand {page, {QStringLiteral("say \"hi\""), QString(), QStringLiteral("x")}, 5000};
        AlertRuleDialog edit(*registry, {QStringLiteral("images")});
        edit.setRule(stored);
        QVERIFY2(edit.isInputValid(), qPrintable(edit.validationMessage()));
        QCOMPARE(edit.rule().command, stored.command);
        QCOMPARE(edit.findChild<QLineEdit*>(QStringLiteral("ruleCommand"))->text(), page);
    }

    void dialogAndButtonsWriteTheRules()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine, quickAlerts());
        QStringList questions;
        window.setConfirmHandler([&](const QString& q) {
            questions.append(q);
            return true;
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        AlertsPanel* panel = window.alertsPanel();

        // Add, through the panel's button.
        panel->findChild<QPushButton*>(QStringLiteral("addAlertRule"))->click();
        auto* dialog = window.findChild<AlertRuleDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        dialog->findChild<QComboBox*>(QStringLiteral("ruleQueue"))->setCurrentText(QStringLiteral("images"));
        dialog->findChild<QDoubleSpinBox*>(QStringLiteral("ruleCount"))->setValue(250);
        dialog->findChild<DurationEdit*>(QStringLiteral("ruleFor"))->setMilliseconds(120'000);
        dialog->findChild<QLineEdit*>(QStringLiteral("ruleName"))->setText(QStringLiteral("images slow"));
        dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        QTRY_COMPARE_WITH_TIMEOUT(storedRules(*engine).size(), 1, test::backgroundTimeoutMs);
        AlertRule stored = storedRules(*engine).first();
        QCOMPARE(stored.condition, AlertCondition::QueueLength);
        QCOMPARE(stored.queue, QStringLiteral("images"));
        QCOMPARE(stored.threshold, 250.0);
        QCOMPARE(stored.forMs, qint64(120'000));
        QCOMPARE(stored.name, QStringLiteral("images slow"));
        QVERIFY(stored.enabled);
        QTRY_COMPARE_WITH_TIMEOUT(panel->rulesModel()->rowCount(), 1, test::backgroundTimeoutMs);
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Info);

        // Disable, then enable: the definition keeps everything else.
        panel->selectRule(stored.id);
        QVERIFY(panel->selectedRule());
        auto* disable = panel->findChild<QPushButton*>(QStringLiteral("disableAlertRule"));
        auto* enable = panel->findChild<QPushButton*>(QStringLiteral("enableAlertRule"));
        QVERIFY(disable->isEnabled());
        QVERIFY(!enable->isEnabled());
        disable->click();
        QTRY_VERIFY_WITH_TIMEOUT(!storedRules(*engine).first().enabled, test::backgroundTimeoutMs);
        QCOMPARE(storedRules(*engine).first().threshold, 250.0);
        QTRY_VERIFY_WITH_TIMEOUT(enable->isEnabled(), test::backgroundTimeoutMs);
        QCOMPARE(cell(panel->rulesModel(), 0, AlertRulesModel::StateColumn), QStringLiteral("disabled"));

        // Edit: the dialog opens on the stored rule and writes the change to the same row.
        panel->findChild<QPushButton*>(QStringLiteral("editAlertRule"))->click();
        AlertRuleDialog* edit = nullptr;
        QTRY_VERIFY((edit = window.findChild<AlertRuleDialog*>()) != nullptr && edit->isVisible());
        QCOMPARE(edit->ruleId(), stored.id);
        QCOMPARE(edit->findChild<QDoubleSpinBox*>(QStringLiteral("ruleCount"))->value(), 250.0);
        edit->findChild<QDoubleSpinBox*>(QStringLiteral("ruleCount"))->setValue(300);
        edit->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        QTRY_COMPARE_WITH_TIMEOUT(storedRules(*engine).first().threshold, 300.0, test::backgroundTimeoutMs);
        QCOMPARE(storedRules(*engine).size(), 1);
        QVERIFY(!storedRules(*engine).first().enabled);

        // Remove asks first; a "no" keeps the rule.
        window.setConfirmHandler([&](const QString& q) {
            questions.append(q);
            return false;
        });
        panel->selectRule(stored.id);
        panel->findChild<QPushButton*>(QStringLiteral("removeAlertRule"))->click();
        QCOMPARE(questions.size(), 1);
        QVERIFY(questions.first().contains(QLatin1String("images slow")));
        window.setConfirmHandler([&](const QString& q) {
            questions.append(q);
            return true;
        });
        panel->findChild<QPushButton*>(QStringLiteral("removeAlertRule"))->click();
        QTRY_VERIFY_WITH_TIMEOUT(storedRules(*engine).isEmpty(), test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(panel->rulesModel()->rowCount(), 0, test::backgroundTimeoutMs);
    }

    void firingRuleRaisesTheBannerAndNotifiesOnce()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(addRule(*engine, backlogRule));
        QVERIFY(enqueueWaiting(*engine, QStringLiteral("images"), 10));
        auto clock = std::make_shared<std::atomic<qint64>>(QDateTime::currentMSecsSinceEpoch());
        auto notified = std::make_shared<QList<AlertTransition>>();

        MainWindow window(engine, fastAlerts(clock));
        window.setAlertNotifier(std::make_unique<CountingNotifier>(notified));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QPoint tableAt = window.taskView()->mapTo(&window, QPoint(0, 0));
        AlertBanner* banner = window.alertBanner();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), test::backgroundTimeoutMs);
        QCOMPARE(banner->firing(), QStringList {QStringLiteral("images backlog")});
        QVERIFY(banner->text().contains(QLatin1String("images backlog")));
        QCOMPARE(window.taskView()->mapTo(&window, QPoint(0, 0)), tableAt); // the banner never moves the table
        QCOMPARE(notified->size(), 1);
        QCOMPARE(notified->first().ruleName, QStringLiteral("images backlog"));
        QVERIFY(notified->first().message.contains(QLatin1String("now 10")));

        const QAbstractItemModel* rules = window.alertsPanel()->rulesModel();
        const QAbstractItemModel* history = window.alertsPanel()->historyModel();
        QTRY_VERIFY(cell(rules, 0, AlertRulesModel::StateColumn).startsWith(QLatin1String("firing since")));
        QTRY_COMPARE(history->rowCount(), 1);
        QCOMPARE(cell(history, 0, AlertHistoryModel::KindColumn), QStringLiteral("fired"));
        QCOMPARE(cell(history, 0, AlertHistoryModel::RuleColumn), QStringLiteral("images backlog"));
        QCOMPARE(cell(history, 0, AlertHistoryModel::FigureColumn), QStringLiteral("10"));

        // "Show alerts" brings the tab forward.
        window.findChild<QDockWidget*>(QStringLiteral("chartsDock"))->raise();
        QTRY_COMPARE(frontTab(window, QStringLiteral("Alerts")), QStringLiteral("Charts"));
        banner->showButton()->click();
        QTRY_COMPARE(frontTab(window, QStringLiteral("Alerts")), QStringLiteral("Alerts"));

        // Further evaluations of the same firing notify nothing more.
        QSignalSpy snapshots(window.alertWatcher(), &AlertWatcher::snapshotChanged);
        QTRY_VERIFY(snapshots.size() >= 5);
        QCOMPARE(notified->size(), 1);

        // Cleared, it stays firing until the figure has stayed clear for 30 s (hysteresis), then resolves.
        TaskFilter images;
        images.queues = {QStringLiteral("images")};
        QVERIFY(engine->cancel(images).ok());
        QTRY_VERIFY(window.alertsPanel()->rulesModel()->rules().first().state.clearSince > 0);
        snapshots.clear();
        QTRY_VERIFY(snapshots.size() >= 3);
        QVERIFY(banner->isVisible());
        clock->fetch_add(31'000);
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), test::backgroundTimeoutMs);
        QCOMPARE(window.taskView()->mapTo(&window, QPoint(0, 0)), tableAt);
        QTRY_COMPARE(history->rowCount(), 2);
        QCOMPARE(cell(history, 0, AlertHistoryModel::KindColumn), QStringLiteral("resolved"));
        QCOMPARE(cell(rules, 0, AlertRulesModel::StateColumn), QStringLiteral("ok"));
        QCOMPARE(notified->size(), 1); // a resolution is no desktop notification
    }

    void twoWindowsOnOneDatabaseNotifyOncePerWindow()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        auto other = test::openEngine(dir);
        QVERIFY(other);
        QVERIFY(addRule(*engine, backlogRule));
        auto clock = std::make_shared<std::atomic<qint64>>(QDateTime::currentMSecsSinceEpoch());
        std::shared_ptr<QList<AlertTransition>> notified[2] {
            std::make_shared<QList<AlertTransition>>(), std::make_shared<QList<AlertTransition>>()};

        std::unique_ptr<MainWindow> windows[2] {std::make_unique<MainWindow>(engine, fastAlerts(clock)),
            std::make_unique<MainWindow>(other, fastAlerts(clock))};
        for (int i : {0, 1})
            windows[i]->setAlertNotifier(std::make_unique<CountingNotifier>(notified[i]));
        const auto evaluating = [&windows](int i) { return windows[i]->alertWatcher()->snapshot().evaluatingHere; };
        // Both have read the rule, and one of them evaluates it, before the queue fills.
        QTRY_VERIFY_WITH_TIMEOUT(windows[0]->alertWatcher()->snapshot().rules.size() == 1
                && windows[1]->alertWatcher()->snapshot().rules.size() == 1 && (evaluating(0) || evaluating(1)),
            test::backgroundTimeoutMs);
        QVERIFY(enqueueWaiting(*engine, QStringLiteral("images"), 10));
        QTRY_VERIFY_WITH_TIMEOUT(
            windows[0]->alertBanner()->firing().size() == 1 && windows[1]->alertBanner()->firing().size() == 1,
            test::backgroundTimeoutMs);
        {
            QSignalSpy first(windows[0]->alertWatcher(), &AlertWatcher::snapshotChanged);
            QSignalSpy second(windows[1]->alertWatcher(), &AlertWatcher::snapshotChanged);
            QTRY_VERIFY(first.size() >= 5 && second.size() >= 5);
        }
        // One firing, recorded once, told once by each window: the evaluating one and the one standing by.
        QCOMPARE(notified[0]->size(), 1);
        QCOMPARE(notified[1]->size(), 1);
        QCOMPARE(int(evaluating(0)) + int(evaluating(1)), 1);
        QVERIFY(windows[evaluating(0) ? 1 : 0]->alertsPanel()->evaluatorLabel()->text().contains(
            windows[evaluating(0) ? 0 : 1]->alertWatcher()->owner()));

        // The evaluating window closes: it gives the lease up, and the other takes over from the saved states, so
        // the rule that fires is not notified again.
        const int closed = evaluating(0) ? 0 : 1;
        const int left = 1 - closed;
        windows[closed].reset();
        QTRY_VERIFY_WITH_TIMEOUT(evaluating(left), test::backgroundTimeoutMs);
        QSignalSpy later(windows[left]->alertWatcher(), &AlertWatcher::snapshotChanged);
        QTRY_VERIFY(later.size() >= 3);
        QVERIFY(windows[left]->alertBanner()->firing().size() == 1);
        QCOMPARE(notified[left]->size(), 1);
    }
};

QTEST_MAIN(TestAlertsPanel)
#include "tst_alertspanel.moc"
