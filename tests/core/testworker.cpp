// A real worker process for the crash and cross-process tests:
//   qd_test_worker DB WORKERS LEASE_MS [record-file]
// runs an engine with WORKERS threads on DB (a file or a PostgreSQL URL) until killed. QD_TEST_PROCESS_KIND makes it
// announce itself (heartbeat rows, every QD_TEST_BEAT_MS). With a record file, every
// handler start appends "id attempt\n" to it (O_APPEND, one write per line), so a test can count how often each task
// really ran, and every successful run "E id attempt pid started finished". QD_TEST_POLL_MS sets how often it polls
// for other processes' commits (50 ms by default).
#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QTextStream>

#include <fcntl.h>
#include <unistd.h>

namespace {

class RecordingHandler final : public qd::TaskHandler {
public:
    explicit RecordingHandler(int fd)
        : m_fd(fd)
    { }
    QString type() const override { return QStringLiteral("record"); }
    QString description() const override { return QStringLiteral("Records each run, then sleeps payload.ms"); }
    QJsonObject payloadTemplate() const override { return {}; }
    std::optional<QString> validate(const QJsonObject&) const override { return std::nullopt; }
    qd::HandlerResult run(const QJsonObject& payload, qd::HandlerContext& context) const override
    {
        if (m_fd >= 0) {
            const QByteArray line
                = QByteArray::number(context.taskId()) + ' ' + QByteArray::number(context.attempt()) + '\n';
            if (::write(m_fd, line.constData(), size_t(line.size())) != line.size())
                return qd::HandlerResult::retryable(QStringLiteral("cannot record"));
        }
        const qint64 started = QDateTime::currentMSecsSinceEpoch();
        context.sleepFor(payload.value(QLatin1String("ms")).toInt());
        if (payload.value(QLatin1String("fail")).toBool() && context.attempt() < 2)
            return qd::HandlerResult::retryable(QStringLiteral("first attempt fails"));
        if (m_fd >= 0) {
            // "E id attempt pid started finished": when each run held the task, to prove no two overlapped.
            const QByteArray line = "E " + QByteArray::number(context.taskId()) + ' '
                + QByteArray::number(context.attempt()) + ' ' + QByteArray::number(::getpid()) + ' '
                + QByteArray::number(started) + ' ' + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + '\n';
            if (::write(m_fd, line.constData(), size_t(line.size())) != line.size())
                return qd::HandlerResult::retryable(QStringLiteral("cannot record"));
        }
        return qd::HandlerResult::success();
    }

private:
    int m_fd;
};

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        QTextStream(stderr) << "usage: qd_test_worker DB WORKERS LEASE_MS [record-file]\n";
        return 2;
    }
    const int fd
        = args.size() > 4 ? ::open(args.at(4).toLocal8Bit().constData(), O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
    auto registry = std::make_shared<qd::HandlerRegistry>();
    qd::registerBuiltinHandlers(*registry);
    registry->add(std::make_unique<RecordingHandler>(fd));
    qd::EngineOptions options;
    options.store.path = args.at(1);
    options.workerCount = args.at(2).toInt();
    options.leaseMs = args.at(3).toLongLong();
    options.pollIntervalMs
        = qEnvironmentVariableIntValue("QD_TEST_POLL_MS") > 0 ? qEnvironmentVariableIntValue("QD_TEST_POLL_MS") : 50;
    options.maintenanceIntervalMs = 100;
    options.handlers = registry;
    options.processKind = qEnvironmentVariable("QD_TEST_PROCESS_KIND");
    if (qEnvironmentVariableIntValue("QD_TEST_BEAT_MS") > 0)
        options.heartbeatIntervalMs = qEnvironmentVariableIntValue("QD_TEST_BEAT_MS");
    auto engine = qd::QueueEngine::open(options);
    if (!engine) {
        QTextStream(stderr) << engine.errorString() << '\n';
        return 4;
    }
    QTextStream(stdout) << "ready" << Qt::endl;
    return app.exec();
}
