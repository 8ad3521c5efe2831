// Issue 17: the dashboard strip (processed and failed today and in the last hour, backlog and the oldest wait,
// throughput now against an hour ago), read in the background.
#include "ui/dashboardstrip.h"
#include "ui/mainwindow.h"
#include "ui/readerthread.h"
#include "uitesthelpers.h"

#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>

using namespace qd;
using namespace qd::ui;

class TestDashboardStrip : public QObject {
    Q_OBJECT

    static QString text(const DashboardStrip& strip, const char* name)
    {
        return strip.findChild<QLabel*>(QLatin1String(name))->text();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_dashboardstrip"));
    }

    void countsWhatEndedAndWhatWaits()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        QList<NewTask> tasks;
        for (int i = 0; i < 7; ++i) {
            NewTask t;
            t.type = QStringLiteral("sleep");
            t.payload = i < 2 ? QByteArrayLiteral(R"({"ms":1,"fail":"permanent"})") : QByteArrayLiteral(R"({"ms":1})");
            tasks.append(t);
        }
        QVERIFY(engine->enqueueBatch(tasks).ok());
        QTRY_COMPARE_WITH_TIMEOUT(engine->counts().value(QStringLiteral("default"))[size_t(TaskState::Succeeded)],
            qint64(5), test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(engine->counts().value(QStringLiteral("default"))[size_t(TaskState::Failed)],
            qint64(2), test::backgroundTimeoutMs);
        // A paused queue's tasks wait: the backlog and its oldest.
        QVERIFY(engine->setPaused(QStringLiteral("held"), true).ok());
        NewTask held;
        held.queue = QStringLiteral("held");
        held.type = QStringLiteral("noop");
        QVERIFY(engine->enqueueBatch(QList<NewTask>(3, held)).ok());

        ReaderThread reader(engine->options().store);
        DashboardStrip strip(engine.get(), &reader);
        strip.show();
        QTRY_VERIFY_WITH_TIMEOUT(strip.figures().has_value(), test::backgroundTimeoutMs);
        const DashboardFigures f = *strip.figures();
        QCOMPARE(f.processedToday, qint64(7));
        QCOMPARE(f.failedToday, qint64(2));
        QCOMPARE(f.processedLastHour, qint64(7));
        QCOMPARE(f.failedLastHour, qint64(2));
        QCOMPARE(f.perSecondNow, 7.0 / 60);
        QCOMPARE(f.perSecondHourAgo, 0.0);
        QVERIFY(f.oldestWaitingSince > 0);
        QVERIFY2(text(strip, "today").contains(QLatin1String("<b>7</b> processed")), qPrintable(text(strip, "today")));
        QVERIFY(text(strip, "today").contains(QLatin1String("<b>2</b> failed")));
        QTRY_VERIFY2(text(strip, "backlog").startsWith(QLatin1String("Backlog: <b>3</b>, oldest waiting ")),
            qPrintable(text(strip, "backlog")));
        QVERIFY(text(strip, "throughput").contains(QLatin1String("<b>0.1/s</b>")));
    }

    void inTheWindow()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(20)).ok());
        MainWindow window(engine);
        window.resize(1500, 900);
        window.show();
        auto* strip = window.findChild<DashboardStrip*>();
        QVERIFY(strip && strip->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(strip->figures().has_value(), test::backgroundTimeoutMs);
        QTest::qWait(100); // the tool bar's layout after the labels' new texts
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/dashboard-strip.png"));
    }
};

QTEST_MAIN(TestDashboardStrip)
#include "tst_dashboardstrip.moc"
