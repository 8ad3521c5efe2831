// The window by access level (issue 22): the login's role in the status bar, the actions it may not use disabled,
// and a viewer's window running no workers. On PostgreSQL and MariaDB (*_postgres, *_mariadb) with logins made here;
// on SQLite, a read-only window is a viewer.
#include "../core/storetestutil.h"
#include "uitesthelpers.h"

#include "ui/mainwindow.h"
#include "ui/settingsdialog.h"

#include <QAction>
#include <QLabel>
#include <QSpinBox>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace qd;
using namespace qd::ui;

class TestWindowRoles : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    QHash<QString, QString> m_urls; // per level name: the login's URL
    QStringList m_cleanup;

    std::unique_ptr<TaskStore> superuser()
    {
        StoreOptions options;
        options.path = m_db;
        auto store = TaskStore::open(options);
        if (!store) {
            qWarning() << store.errorString();
            return {};
        }
        return std::move(store).value();
    }

    std::shared_ptr<QueueEngine> openAs(const QString& level, int workers)
    {
        EngineOptions options;
        options.store.path = m_urls.value(level);
        options.workerCount = workers;
        options.sampleIntervalMs = 0;
        options.pollIntervalMs = 50;
        auto engine = QueueEngine::open(options);
        if (!engine) {
            qWarning() << engine.errorString();
            return {};
        }
        return std::shared_ptr<QueueEngine>(std::move(engine).value());
    }

    static QString roleText(const MainWindow& window)
    {
        auto* label = window.findChild<QLabel*>(QStringLiteral("statusRole"));
        return label && label->isVisibleTo(&window) ? label->text() : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = test::testDatabase(m_dir, QStringLiteral("windowroles"));
        auto store = superuser();
        QVERIFY(store);
        NewTask task;
        task.queue = QStringLiteral("mail");
        task.type = QStringLiteral("noop");
        QVERIFY(store->enqueue({task}, 1));
        if (!test::onServer())
            return;
        auto install = store->roleInstallSql();
        QVERIFY2(install, qPrintable(install.errorString()));
        QVERIFY2(store->runRoleStatements(*install), "roles install");
        const QString tag = QString::number(QCoreApplication::applicationPid());
        for (AccessLevel level : {AccessLevel::Viewer, AccessLevel::Operator}) {
            const QString user = QStringLiteral("qdw_%1_%2").arg(accessLevelName(level), tag);
            const QString password = QStringLiteral("secret-%1").arg(tag);
            QSqlQuery q(store->database());
            QVERIFY2(q.exec(test::onPostgres()
                             ? QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(user, password)
                             : QStringLiteral("CREATE USER '%1'@'localhost' IDENTIFIED BY '%2'").arg(user, password)),
                qPrintable(q.lastError().text()));
            const QString login = test::onPostgres() ? user : user + QLatin1String("@localhost");
            auto grant = store->roleGrantSql(login, level);
            QVERIFY(grant);
            QVERIFY(store->runRoleStatements(*grant));
            QString url = m_db;
            url = test::onPostgres()
                ? url.replace(QLatin1String("user=postgres"), QStringLiteral("user=%1&password=%2").arg(user, password))
                : url.replace(QLatin1String("://root@"), QStringLiteral("://%1:%2@").arg(user, password));
            m_urls.insert(accessLevelName(level), url);
            m_cleanup.append(test::onPostgres() ? QStringLiteral("DROP OWNED BY %1").arg(user) : QString());
            m_cleanup.append(test::onPostgres()
                    ? QStringLiteral("DROP ROLE %1").arg(user)
                    : QStringLiteral("DROP USER %1").arg(quotedLogin(RoleServer::MariaDb, login)));
        }
    }

    void readOnlySqliteIsAViewer()
    {
        if (test::onServer())
            QSKIP("SQLite only");
        EngineOptions options;
        options.store.path = m_db;
        options.store.readOnly = true;
        auto engine = QueueEngine::open(options);
        QVERIFY(engine);
        QCOMPARE((*engine)->accessLevel(), AccessLevel::Viewer);
        auto writable = test::openEngine(m_dir, 0, false, QStringLiteral("other.db"));
        QCOMPARE(writable->accessLevel(), AccessLevel::Admin);
    }

    void viewerWindowChangesNothingAndRunsNoWorkers()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        auto engine = openAs(QStringLiteral("viewer"), 2);
        QVERIFY(engine);
        QCOMPARE(engine->accessLevel(), AccessLevel::Viewer);
        QVERIFY(engine->isReadOnly());
        QCOMPARE(engine->workerCount(), 0);
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(roleText(window), QStringLiteral("Role: viewer"));
        QTRY_VERIFY(window.action(QStringLiteral("refresh"))->isEnabled());
        for (QAction* a : window.writeActions())
            QVERIFY2(!a->isEnabled(), qPrintable(a->objectName()));
        auto* workers = window.findChild<QSpinBox*>(QStringLiteral("workerCount"));
        QVERIFY(workers);
        QVERIFY(!workers->isEnabled());
        QCOMPARE(workers->value(), 0);
    }

    void operatorWindowRunsTheQueueButNotItsSettings()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        auto engine = openAs(QStringLiteral("operator"), 1);
        QVERIFY(engine);
        QCOMPARE(engine->accessLevel(), AccessLevel::Operator);
        QVERIFY(!engine->isReadOnly());
        QCOMPARE(engine->workerCount(), 1);
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(roleText(window), QStringLiteral("Role: operator"));
        for (const char* name : {"enqueue", "pauseAll", "resumeAll"})
            QVERIFY2(window.action(QLatin1String(name))->isEnabled(), name);
        // Once the table counted its task: the operator may retry and cancel what matches, not delete it.
        QTRY_VERIFY_WITH_TIMEOUT(
            window.action(QStringLiteral("cancelMatching"))->isEnabled(), test::backgroundTimeoutMs);
        QVERIFY(window.action(QStringLiteral("retryMatching"))->isEnabled());
        QVERIFY(!window.action(QStringLiteral("deleteMatching"))->isEnabled());
        QVERIFY(!window.action(QStringLiteral("concurrency"))->isEnabled());
        QVERIFY(!window.action(QStringLiteral("deleteSelected"))->isEnabled());
        auto* workers = window.findChild<QSpinBox*>(QStringLiteral("workerCount"));
        QVERIFY(workers && workers->isEnabled());
        // The database's settings are an admin's: shown, not editable; the window's own workers are the operator's.
        SettingsDialog* dialog = window.showSettingsDialog();
        QVERIFY(dialog->findChild<QSpinBox*>(QStringLiteral("workersSetting"))->isEnabled());
        for (const char* name : {"allowedPrograms", "refuseLoopback", "endedTasksDays"}) {
            auto* field = dialog->findChild<QWidget*>(QLatin1String(name));
            QVERIFY2(field && !field->isEnabled(), name);
        }
    }

    void cleanupTestCase()
    {
        if (m_cleanup.isEmpty())
            return;
        auto store = superuser();
        if (!store)
            return;
        QSqlQuery q(store->database());
        for (const QString& sql : std::as_const(m_cleanup)) {
            if (!sql.isEmpty())
                q.exec(sql);
        }
    }
};

QTEST_MAIN(TestWindowRoles)
#include "tst_windowroles.moc"
