#include "cli_workerscommand.h"

#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

QJsonObject toJson(const ProcessRecord& p, qint64 now)
{
    QJsonArray running;
    for (const RunningTaskRef& t : p.running) {
        running.append(QJsonObject {{QStringLiteral("id"), t.id}, {QStringLiteral("queue"), t.queue},
            {QStringLiteral("type"), t.type}, {QStringLiteral("attempt"), t.attempt},
            {QStringLiteral("startedAt"),
                t.startedAt > 0 ? QJsonValue(ExportCodec::isoTime(t.startedAt)) : QJsonValue()}});
    }
    const auto time = [](qint64 ms) { return ms > 0 ? QJsonValue(ExportCodec::isoTime(ms)) : QJsonValue(); };
    return QJsonObject {{QStringLiteral("id"), p.id}, {QStringLiteral("host"), p.host}, {QStringLiteral("pid"), p.pid},
        {QStringLiteral("kind"), p.announced ? QJsonValue(p.kind) : QJsonValue()},
        {QStringLiteral("version"), p.announced ? QJsonValue(p.version) : QJsonValue()},
        {QStringLiteral("user"), p.announced ? QJsonValue(p.user) : QJsonValue()},
        {QStringLiteral("startedAt"), time(p.startedAt)}, {QStringLiteral("lastSeen"), time(p.lastSeen)},
        {QStringLiteral("beatMs"), p.beatMs}, {QStringLiteral("workers"), p.workers},
        {QStringLiteral("queues"), p.queues}, {QStringLiteral("runningCount"), qint64(p.running.size())},
        {QStringLiteral("running"), running}, {QStringLiteral("state"), processStateName(p.state(now))}};
}

// "3 s ago", "2 min ago", "5 h ago".
QString ago(qint64 ms)
{
    ms = std::max<qint64>(0, ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s ago").arg(ms / 1000);
    if (ms < 3'600'000)
        return QStringLiteral("%1 min ago").arg(ms / 60'000);
    return QStringLiteral("%1 h ago").arg(ms / 3'600'000);
}

} // namespace

int WorkersCommand::run(CliContext& context, const QCommandLineParser&)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<QList<ProcessRecord>> processes = store.value()->processes();
    if (!processes.ok())
        return context.fail(processes.error());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (context.json()) {
        QJsonArray list;
        for (const ProcessRecord& p : processes.value())
            list.append(toJson(p, now));
        context.printJson(list);
        return ExitOk;
    }
    if (processes->isEmpty()) {
        context.out() << "No process runs workers on this database." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("HOST"), QStringLiteral("PID"), QStringLiteral("KIND"),
        QStringLiteral("WORKERS"), QStringLiteral("RUNNING"), QStringLiteral("LAST SEEN"), QStringLiteral("STATE")}};
    for (const ProcessRecord& p : processes.value()) {
        rows.append({p.host, QString::number(p.pid), p.announced ? p.kind : QStringLiteral("-"),
            p.announced ? QString::number(p.workers) : QStringLiteral("-"), QString::number(p.running.size()),
            p.announced ? ago(now - p.lastSeen) : QStringLiteral("-"), processStateName(p.state(now))});
    }
    printTable(context.out(), rows);
    return ExitOk;
}

} // namespace qd::cli
