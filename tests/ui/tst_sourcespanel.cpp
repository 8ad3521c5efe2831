// The Sources panel: spools and AMQP bridges with their figures, read off the GUI thread, and Pause/Resume through
// the window's background writer.
#include "ui/charts/timeserieschart.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/readerthread.h"
#include "ui/sourcesmodel.h"
#include "ui/sourcespanel.h"
#include "uitesthelpers.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpeventsoutconfig.h"
#include "core/spool/spoolconfig.h"
#include "core/taskstore.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTableView>

using namespace qd;
using qd::ui::SourcesModel;

namespace {

Status addSource(
    QueueEngine& engine, const QString& kind, const QString& name, const QByteArray& config, bool paused = false)
{
    return engine.runInWriter([&](TaskStore& store) {
        return store.addSource(SourceRecord {0, kind, name, config, paused, 0}, 1);
    });
}

bool touch(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write("{}") == 2;
}

// A task as a source makes it: an idempotency key with the source's prefix.
NewTask sourceTask(const QString& key)
{
    NewTask t;
    t.type = QStringLiteral("noop");
    t.queue = QStringLiteral("inbox");
    t.idempotencyKey = key;
    return t;
}

QString cell(const SourcesModel& model, const QString& source, int column)
{
    return model.index(model.rowOf(source), column).data().toString();
}

} // namespace

class TestSourcesPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsSpoolsAndBridgesWithTheirFigures()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        const QString spoolDir = dir.filePath(QStringLiteral("inbox"));
        for (const char* folder : {"tmp", "new", "cur", "done", "failed"})
            QVERIFY(QDir().mkpath(spoolDir + u'/' + QLatin1String(folder)));
        for (const char* name :
            {"new/a.json", "new/b.json", "new/c.json", "failed/x.json", "failed/x.json.result.json"})
            QVERIFY(touch(spoolDir + u'/' + QLatin1String(name)));
        SpoolConfig spool {spoolDir, QStringLiteral("noop"), {}, {}, QStringLiteral("inbox")};
        QVERIFY(addSource(*engine, QStringLiteral("spool"), QStringLiteral("inbox"), spool.toJson()));
        AmqpBridgeConfig bridge;
        bridge.url = QStringLiteral("amqp://admin:s3cret@broker.example/");
        bridge.from = QStringLiteral("orders");
        bridge.queue = QStringLiteral("orders");
        QVERIFY(addSource(*engine, QStringLiteral("amqp"), QStringLiteral("orders-bridge"), bridge.toJson(), true));
        SpoolConfig elsewhere {QStringLiteral("/nonexistent/spool"), {}, {}, {}, QStringLiteral("default")};
        QVERIFY(addSource(*engine, QStringLiteral("spool"), QStringLiteral("remote"), elsewhere.toJson()));
        QVERIFY(addSource(*engine, QStringLiteral("spool"), QStringLiteral("broken"), QByteArrayLiteral("{not json")));

        // Six tasks of the spool (one failed for good, one created ten minutes ago), two of the bridge, and one of
        // a spool whose name starts like ours ("inbox2"), which must not count.
        QList<NewTask> tasks;
        for (int i = 0; i < 6; ++i)
            tasks.append(sourceTask(QStringLiteral("spool:inbox:1:%1:2:3:f%1.json").arg(i)));
        tasks.append(sourceTask(QStringLiteral("amqp:orders:id:m1")));
        tasks.append(sourceTask(QStringLiteral("amqp:orders:id:m2")));
        tasks.append(sourceTask(QStringLiteral("spool:inbox2:1:1:2:3:a.json")));
        const auto stored = engine->enqueueBatch(tasks);
        QVERIFY(stored.ok());
        const qint64 failedId = stored->at(0).id;
        const qint64 oldId = stored->at(1).id;
        const qint64 tenMinutesAgo = QDateTime::currentMSecsSinceEpoch() - 600'000;
        QVERIFY(engine->runInWriter([&](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            if (!q.exec(QStringLiteral("UPDATE tasks SET state = 'failed', last_error = 'disk\nfull' WHERE id = %1")
                            .arg(failedId))
                || !q.exec(
                    QStringLiteral("UPDATE tasks SET created_at = %1 WHERE id = %2").arg(tenMinutesAgo).arg(oldId)))
                return Error {ErrorCode::Internal, q.lastError().text()};
            return success();
        }));

        ui::ReaderThread reader(engine->options().store);
        QStringList readErrors;
        connect(reader.reader(), &ui::StoreReader::readFailed, this,
            [&readErrors](const QString& message) { readErrors.append(message); });
        SourcesModel model(&reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() == 4 || !readErrors.isEmpty(), test::backgroundTimeoutMs);
        QVERIFY2(readErrors.isEmpty(), qPrintable(readErrors.join(u'\n')));
        QCOMPARE(model.rowCount(), 4);
        // By name, as the sources table lists them.
        QCOMPARE(model.index(0, SourcesModel::NameColumn).data().toString(), QStringLiteral("broken"));

        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::KindColumn), QStringLiteral("spool"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::TargetColumn), QStringLiteral("inbox / noop"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::StateColumn), QStringLiteral("active"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::BacklogColumn), QStringLiteral("3"));
        QCOMPARE(
            cell(model, QStringLiteral("inbox"), SourcesModel::RateMinuteColumn), QStringLiteral("0.08/s")); // 5/60
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::RateFiveMinutesColumn), QStringLiteral("0.02/s"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::FailedColumn), QStringLiteral("1"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::DeadColumn), QStringLiteral("1"));
        QCOMPARE(cell(model, QStringLiteral("inbox"), SourcesModel::LastErrorColumn), QStringLiteral("disk full"));

        QCOMPARE(cell(model, QStringLiteral("orders-bridge"), SourcesModel::KindColumn), QStringLiteral("AMQP"));
        QCOMPARE(cell(model, QStringLiteral("orders-bridge"), SourcesModel::StateColumn), QStringLiteral("paused"));
        QCOMPARE(cell(model, QStringLiteral("orders-bridge"), SourcesModel::BacklogColumn), QStringLiteral("\u2014"));
        QCOMPARE(
            cell(model, QStringLiteral("orders-bridge"), SourcesModel::RateMinuteColumn), QStringLiteral("0.03/s"));
        QCOMPARE(cell(model, QStringLiteral("orders-bridge"), SourcesModel::FailedColumn), QStringLiteral("0"));
        const QString origin = model.index(model.rowOf(QStringLiteral("orders-bridge")), SourcesModel::NameColumn)
                                   .data(Qt::ToolTipRole)
                                   .toString();
        QVERIFY2(origin.contains(QStringLiteral("orders on amqp://admin@broker.example")), qPrintable(origin));
        QVERIFY(!origin.contains(QStringLiteral("s3cret")));

        QCOMPARE(cell(model, QStringLiteral("remote"), SourcesModel::StateColumn),
            QStringLiteral("active, not on this host"));
        QCOMPARE(cell(model, QStringLiteral("remote"), SourcesModel::BacklogColumn), QStringLiteral("\u2014"));
        QVERIFY(!cell(model, QStringLiteral("broken"), SourcesModel::LastErrorColumn).isEmpty());
        QCOMPARE(cell(model, QStringLiteral("broken"), SourcesModel::StateColumn), QStringLiteral("cannot run"));
        QCOMPARE(cell(model, QStringLiteral("broken"), SourcesModel::RateMinuteColumn), QStringLiteral("\u2014"));

        // The panel over the same reader shows these rows (and a picture of it when asked for one).
        ui::SourcesPanel panel(&reader);
        panel.resize(1100, 200);
        panel.show();
        QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 4, test::backgroundTimeoutMs);
        // The selected source's rate over time: one point per 30 s bucket of the last 30 minutes; the task created
        // ten minutes ago is one task in its bucket (the current bucket, still filling, is left out).
        QSignalSpy charted(&panel, &ui::SourcesPanel::rateChartUpdated);
        panel.view()->selectRow(panel.model()->rowOf(QStringLiteral("inbox")));
        QTRY_VERIFY_WITH_TIMEOUT(!charted.isEmpty(), test::backgroundTimeoutMs);
        const QList<QPointF> rates = panel.rateChart()->seriesPoints(0);
        const qint64 bucket = ui::SourcesPanel::chartBucketMs;
        QCOMPARE(rates.size(), int(ui::SourcesPanel::chartSpanMs / bucket));
        double others = 0;
        for (const QPointF& p : rates) {
            if (qint64(p.x()) == tenMinutesAgo - tenMinutesAgo % bucket)
                QCOMPARE(p.y(), 1000.0 / double(bucket));
            else
                others += p.y() * double(bucket) / 1000.0;
        }
        // The five recent tasks are in the current bucket, or in the last whole one when it just turned.
        QVERIFY2(qFuzzyIsNull(others) || qFuzzyCompare(others, 5.0), qPrintable(QString::number(others)));

        panel.view()->selectRow(panel.model()->rowOf(QStringLiteral("orders-bridge")));
        QVERIFY(!panel.pauseButton()->isEnabled());
        QVERIFY(panel.resumeButton()->isEnabled());
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            QVERIFY(panel.grab().save(QDir(shots).filePath(QStringLiteral("sourcespanel-rows.png"))));

        // A file dropped into new/ shows at the next read, in place (no reset: the selection stays).
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QVERIFY(touch(spoolDir + QStringLiteral("/new/d.json")));
        model.reload();
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, QStringLiteral("inbox"), SourcesModel::BacklogColumn),
            QStringLiteral("4"), test::backgroundTimeoutMs);
        QCOMPARE(resets.count(), 0);
    }

    // An events-out relay shows its own status: where its cursor is, how many ended tasks' events wait after it,
    // when its last confirmed event was recorded; no error. Before its first run it says so.
    void showsEventsOutRelayProgress()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        const auto enqueued = engine->enqueueBatch(test::makeTasks(4));
        QVERIFY(enqueued.ok());
        AmqpEventsOutConfig relay;
        relay.url = QStringLiteral("amqp://admin:s3cret@broker.example/");
        relay.exchange = QStringLiteral("qd-events");
        QVERIFY(addSource(*engine, QStringLiteral("amqp-out"), QStringLiteral("events"), relay.toJson()));
        QVERIFY(addSource(*engine, QStringLiteral("amqp-out"), QStringLiteral("fresh"), relay.toJson()));
        // "events" has passed the first two events; four were written.
        qint64 cursorAt = 0;
        QVERIFY(engine->runInWriter([&](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            if (!q.exec(QStringLiteral("SELECT id, at FROM task_events ORDER BY id LIMIT 1 OFFSET 1")) || !q.next())
                return Error {ErrorCode::Internal, q.lastError().text()};
            cursorAt = q.value(1).toLongLong();
            return store.setSourceCursor(QStringLiteral("events"), q.value(0).toLongLong(), false);
        }));
        // One task ends after the cursor: its event is the one to publish (the enqueued events are not).
        const Result<qint64> cancelled = engine->cancel(TaskFilter::ofIds({enqueued->at(3).id}));
        QVERIFY2(cancelled.ok(), qPrintable(cancelled.errorString()));
        QCOMPARE(*cancelled, qint64(1));

        ui::ReaderThread reader(engine->options().store);
        SourcesModel model(&reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, test::backgroundTimeoutMs);
        const QString events = QStringLiteral("events");
        QCOMPARE(cell(model, events, SourcesModel::KindColumn), QStringLiteral("AMQP out"));
        QCOMPARE(cell(model, events, SourcesModel::TargetColumn), QStringLiteral("qd-events"));
        QCOMPARE(cell(model, events, SourcesModel::StateColumn), QStringLiteral("active"));
        QCOMPARE(cell(model, events, SourcesModel::BacklogColumn), QStringLiteral("1"));
        QCOMPARE(cell(model, events, SourcesModel::CursorColumn),
            QStringLiteral("2 \u00b7 %1")
                .arg(QDateTime::fromMSecsSinceEpoch(cursorAt).toString(QStringLiteral("HH:mm:ss"))));
        QCOMPARE(cell(model, events, SourcesModel::LastErrorColumn), QString());
        QCOMPARE(cell(model, events, SourcesModel::RateMinuteColumn), QStringLiteral("\u2014"));
        const QString origin
            = model.index(model.rowOf(events), SourcesModel::NameColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(
            origin.contains(QStringLiteral("exchange qd-events on amqp://admin@broker.example")), qPrintable(origin));
        QCOMPARE(cell(model, QStringLiteral("fresh"), SourcesModel::CursorColumn), QStringLiteral("not started"));
        QCOMPARE(cell(model, QStringLiteral("fresh"), SourcesModel::BacklogColumn), QStringLiteral("\u2014"));

        // What the broker monitor says about its broker shows in the state and the error.
        AmqpQueueStats down;
        down.source = events;
        down.error = QStringLiteral("Cannot connect to amqp://admin@broker.example/: connection refused");
        model.setBrokerStats({down});
        QCOMPARE(cell(model, events, SourcesModel::StateColumn), QStringLiteral("active, broker unreachable"));
        QCOMPARE(cell(model, events, SourcesModel::LastErrorColumn), down.error);
        down.reachable = true;
        down.error.clear();
        model.setBrokerStats({down});
        QCOMPARE(cell(model, events, SourcesModel::StateColumn), QStringLiteral("active"));
    }

    // A bridge's state is what the live processes running it wrote to source_states: the one that needs the admin
    // most, with how many processes say it, since when, the error and the next try; a lost process's word is not.
    void bridgeStateComesFromTheProcessesRunningIt()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        AmqpBridgeConfig bridge;
        bridge.url = QStringLiteral("amqp://broker.example/");
        bridge.from = QStringLiteral("orders");
        bridge.queue = QStringLiteral("orders");
        QVERIFY(addSource(*engine, QStringLiteral("amqp"), QStringLiteral("orders-bridge"), bridge.toJson()));
        QVERIFY(addSource(*engine, QStringLiteral("amqp"), QStringLiteral("idle-bridge"), bridge.toJson()));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now - 90'000;
        const auto write
            = [&](const QString& process, qint64 lastSeen, const char* state, const QString& detail, qint64 nextTry) {
                  return engine->runInWriter([&](TaskStore& store) -> Status {
                      ProcessRecord p;
                      p.id = process;
                      p.host = QStringLiteral("h");
                      p.kind = QStringLiteral("cli");
                      p.version = QStringLiteral("t");
                      p.user = QStringLiteral("u");
                      p.beatMs = 5000;
                      p.queues = QStringLiteral("*");
                      if (Status s = store.beatProcess(p, lastSeen, 0); !s)
                          return s;
                      return store.setSourceRunState(SourceRunState {
                          QStringLiteral("orders-bridge"), process, QLatin1String(state), detail, since, nextTry, now});
                  });
              };
        QVERIFY(write(QStringLiteral("h:1:a"), now, SourceRunState::consuming, {}, 0));
        QVERIFY(write(QStringLiteral("h:2:b"), now, SourceRunState::reconnecting, QStringLiteral("Connection refused"),
            now + 4000));
        // Killed a minute ago: its "error" is not the bridge's state.
        QVERIFY(write(QStringLiteral("h:3:c"), now - 60'000, SourceRunState::error, QStringLiteral("ACCESS_REFUSED"),
            now + 4000));

        ui::ReaderThread reader(engine->options().store);
        SourcesModel model(&reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString name = QStringLiteral("orders-bridge");
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, name, SourcesModel::StateColumn),
            QStringLiteral("reconnecting: Connection refused (1 of 2 processes)"), test::backgroundTimeoutMs);
        const QDateTime sinceAt = QDateTime::fromMSecsSinceEpoch(since);
        QCOMPARE(cell(model, name, SourcesModel::SinceColumn),
            sinceAt.toString(sinceAt.date() == QDate::currentDate() ? QStringLiteral("HH:mm:ss")
                                                                    : QStringLiteral("yyyy-MM-dd HH:mm")));
        QVERIFY2(cell(model, name, SourcesModel::LastErrorColumn).startsWith(QStringLiteral("Connection refused")),
            qPrintable(cell(model, name, SourcesModel::LastErrorColumn)));
        QVERIFY(cell(model, name, SourcesModel::LastErrorColumn).contains(QStringLiteral("next try")));
        const QString tip = model.index(model.rowOf(name), SourcesModel::StateColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("h:1:a: consuming")) && tip.contains(QStringLiteral("h:2:b: reconnecting"))
                && !tip.contains(QStringLiteral("h:3:c")),
            qPrintable(tip));
        // Nothing said about the other bridge: what the broker says (nothing yet).
        QCOMPARE(cell(model, QStringLiteral("idle-bridge"), SourcesModel::StateColumn), QStringLiteral("active"));
        QCOMPARE(cell(model, QStringLiteral("idle-bridge"), SourcesModel::SinceColumn), QString());

        // The second process is back: both consume, no error left.
        QVERIFY(write(QStringLiteral("h:2:b"), now, SourceRunState::consuming, {}, 0));
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, name, SourcesModel::StateColumn),
            QStringLiteral("consuming (2 processes)"), SourcesModel::refreshMs * 3);
        QCOMPARE(cell(model, name, SourcesModel::LastErrorColumn), QString());
    }

    void pausesAndResumesFromThePanel()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        SpoolConfig spool {dir.filePath(QStringLiteral("inbox")), {}, {}, {}, QStringLiteral("default")};
        QVERIFY(QDir().mkpath(spool.dir + QStringLiteral("/new")));
        QVERIFY(addSource(*engine, QStringLiteral("spool"), QStringLiteral("inbox"), spool.toJson()));
        ui::MainWindow window(engine);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::SourcesPanel* panel = window.sourcesPanel();
        QVERIFY(panel);
        auto* dock = qobject_cast<QDockWidget*>(panel->parentWidget());
        QVERIFY(dock);
        QCOMPARE(dock->windowTitle(), QStringLiteral("Sources"));
        dock->raise();
        SourcesModel* model = panel->model();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, test::backgroundTimeoutMs);
        QVERIFY(!panel->pauseButton()->isEnabled()); // nothing selected
        panel->view()->selectRow(0);
        QVERIFY(panel->pauseButton()->isEnabled());
        QVERIFY(!panel->resumeButton()->isEnabled());

        const auto pausedInDatabase = [&] {
            bool paused = false;
            test::ThreadCall read([&] {
                return engine
                    ->runInWriter([&](TaskStore& store) -> Status {
                        const auto rows = store.sources();
                        if (!rows)
                            return rows.error();
                        paused = !rows->isEmpty() && rows->first().paused;
                        return success();
                    })
                    .ok();
            });
            return read.result() && paused;
        };
        QTest::mouseClick(panel->pauseButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(model->index(0, SourcesModel::StateColumn).data().toString(),
            QStringLiteral("paused"), test::backgroundTimeoutMs);
        QVERIFY(pausedInDatabase());
        QVERIFY(!panel->pauseButton()->isEnabled());
        QVERIFY(panel->resumeButton()->isEnabled());
        QCOMPARE(panel->selectedSource(), QStringLiteral("inbox")); // kept across the refresh

        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(QDir(shots).filePath(QStringLiteral("sourcespanel.png")));

        QTest::mouseClick(panel->resumeButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(model->index(0, SourcesModel::StateColumn).data().toString(),
            QStringLiteral("active"), test::backgroundTimeoutMs);
        QVERIFY(!pausedInDatabase());

        // Paused elsewhere (the command line): the panel's periodic read shows it.
        test::ThreadCall paused([engine] {
            return engine
                ->runInWriter([](TaskStore& store) { return store.setSourcePaused(QStringLiteral("inbox"), true); })
                .ok();
        });
        QVERIFY(paused.result());
        QTRY_COMPARE_WITH_TIMEOUT(model->index(0, SourcesModel::StateColumn).data().toString(),
            QStringLiteral("paused"), SourcesModel::refreshMs * 3);
        window.close();
    }

    void readOnlyWindowCannotPause()
    {
        QTemporaryDir dir;
        {
            auto engine = test::openEngine(dir);
            QVERIFY(engine);
            SpoolConfig spool {dir.filePath(QStringLiteral("inbox")), {}, {}, {}, QStringLiteral("default")};
            QVERIFY(addSource(*engine, QStringLiteral("spool"), QStringLiteral("inbox"), spool.toJson()));
        }
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine);
        ui::MainWindow window(engine);
        window.show();
        ui::SourcesPanel* panel = window.sourcesPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->model()->rowCount(), 1, test::backgroundTimeoutMs);
        panel->view()->selectRow(0);
        QVERIFY(!panel->pauseButton()->isEnabled());
        QVERIFY(!panel->resumeButton()->isEnabled());
    }
};

QTEST_MAIN(TestSourcesPanel)
#include "tst_sourcespanel.moc"
