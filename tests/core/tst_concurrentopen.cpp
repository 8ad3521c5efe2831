// Many processes opening one database at once: a pool of workers started together by a service manager, several
// scripts enqueueing into a file that does not exist yet. Each must open it, whoever creates the schema.
#include "storetestutil.h"

#include <QProcess>

#include <memory>
#include <vector>

using namespace qd;

class TestConcurrentOpen : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void manyProcessesOpenOneNewDatabase()
    {
        constexpr int processes = 16;
#ifdef QD_SANITIZER_BUILD
        constexpr int rounds = 5;
#else
        constexpr int rounds = 50;
#endif
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        int failures = 0;
        QStringList errors;
        for (int round = 0; round < rounds; ++round) {
            const QString db = test::testDatabase(dir, QStringLiteral("race%1").arg(round));
            std::vector<std::unique_ptr<QProcess>> started;
            for (int i = 0; i < processes; ++i) {
                auto process = std::make_unique<QProcess>();
                process->start(QStringLiteral(QD_TEST_OPENER), {db});
                started.push_back(std::move(process));
            }
            for (auto& process : started) {
                QVERIFY(process->waitForFinished(120000));
                if (process->exitStatus() != QProcess::NormalExit || process->exitCode() != 0) {
                    ++failures;
                    if (errors.size() < 5)
                        errors.append(QString::fromLocal8Bit(process->readAllStandardError()).trimmed());
                }
            }
            auto store = test::openStore(db);
            QVERIFY(store);
            QCOMPARE(test::scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), qint64(processes - failures));
            if (failures > 0)
                break;
        }
        QVERIFY2(failures == 0, qPrintable(errors.join(QLatin1String(" | "))));
    }
};

QTEST_GUILESS_MAIN(TestConcurrentOpen)
#include "tst_concurrentopen.moc"
