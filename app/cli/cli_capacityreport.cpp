#include "cli_capacityreport.h"

#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/monitoring/capacityestimator.h"
#include "core/taskstore.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cmath>

namespace qd::cli {

namespace {

QJsonValue optionalSeconds(const std::optional<double>& seconds)
{
    return seconds ? QJsonValue(*seconds) : QJsonValue(QJsonValue::Null);
}

QJsonObject toJson(const CapacityForecast& f, const ServiceStats& served)
{
    const CapacityInputs& in = f.inputs;
    QJsonObject o {{QStringLiteral("queued"), in.queued}, {QStringLiteral("arrivalsPerSecond"), in.arrivalsPerSecond},
        {QStringLiteral("servicePerWorkerPerSecond"), in.servicePerWorkerPerSecond},
        {QStringLiteral("workers"), in.workers}, {QStringLiteral("runs"), served.runs},
        {QStringLiteral("meanRunMs"), served.meanRunMs},
        {QStringLiteral("measuredWaitSeconds"),
            served.starts > 0 ? QJsonValue(served.meanWaitMs / 1000) : QJsonValue()},
        {QStringLiteral("utilisation"),
            std::isfinite(f.mmc.utilisation) ? QJsonValue(f.mmc.utilisation) : QJsonValue()},
        {QStringLiteral("drainSeconds"), optionalSeconds(f.drainSeconds)},
        {QStringLiteral("designDrainSeconds"), optionalSeconds(f.designDrainSeconds)},
        {QStringLiteral("forecast"), f.sentence}};
    if (f.mmc.stable) {
        o.insert(QStringLiteral("waitProbability"), f.mmc.waitProbability);
        o.insert(QStringLiteral("predictedWaitSeconds"), f.mmc.meanWaitSeconds);
        o.insert(QStringLiteral("predictedQueued"), f.mmc.meanQueued);
    }
    if (f.suggestedWorkers > 0)
        o.insert(QStringLiteral("suggestedWorkers"), f.suggestedWorkers);
    return o;
}

QString number(double value, int decimals = 1)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("-");
}

QStringList tableRow(const QString& name, const CapacityForecast& f, const ServiceStats& served)
{
    const CapacityInputs& in = f.inputs;
    return {name, QString::number(qint64(in.queued)), number(in.arrivalsPerSecond),
        in.servicePerWorkerPerSecond > 0 ? number(in.servicePerWorkerPerSecond) : QStringLiteral("-"),
        QString::number(in.workers),
        in.servicePerWorkerPerSecond > 0 ? number(f.mmc.utilisation, 2) : QStringLiteral("-"),
        f.mmc.stable ? number(f.mmc.meanWaitSeconds * 1000) : QStringLiteral("-"),
        served.starts > 0 ? number(served.meanWaitMs) : QStringLiteral("-"), f.sentence};
}

} // namespace

int printCapacityReport(CliContext& context, TaskStore& store, const QHash<QString, StateCounts>& counts,
    const QMap<QString, QueueConfig>& queues, qint64 now, int windowSeconds)
{
    const Result<QHash<QString, ServiceStats>> served = store.serviceStats(now - qint64(windowSeconds) * 1000, now + 1);
    if (!served.ok())
        return context.fail(served.error());
    // c: the workers of the live processes serving each queue, by their heartbeat rows.
    const Result<QList<ProcessRecord>> processes = store.processes();
    if (!processes.ok())
        return context.fail(processes.error());
    const auto liveWorkers = [&](const QString& queue) { return liveWorkersServing(*processes, queue, now); };
    const auto queuedIn = [&counts](const QString& queue) {
        return counts.value(queue, StateCounts {})[std::size_t(TaskState::Queued)];
    };

    QJsonArray array;
    QList<QStringList> rows {{QStringLiteral("QUEUE"), QStringLiteral("QUEUED"), QStringLiteral("λ/S"),
        QStringLiteral("μ/S/WORKER"), QStringLiteral("WORKERS"), QStringLiteral("ρ"), QStringLiteral("WQ MS (M/M/C)"),
        QStringLiteral("WAIT MS (MEASURED)"), QStringLiteral("FORECAST")}};
    qint64 queuedTotal = 0;
    for (const QueueConfig& config : queues) {
        const ServiceStats s = served->value(config.name);
        const qint64 queued = queuedIn(config.name);
        queuedTotal += queued;
        const CapacityForecast f
            = forecastCapacity(windowCapacityInputs(s, windowSeconds, queued, liveWorkers(config.name)));
        QJsonObject o = toJson(f, s);
        o.insert(QStringLiteral("queue"), config.name);
        array.append(o);
        rows.append(tableRow(config.name, f, s));
    }
    const ServiceStats all = served->value(QString());
    const CapacityForecast total
        = forecastCapacity(windowCapacityInputs(all, windowSeconds, queuedTotal, liveWorkers(QString())));
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("queues"), array}, {QStringLiteral("total"), toJson(total, all)},
            {QStringLiteral("windowSeconds"), windowSeconds}, {QStringLiteral("at"), ExportCodec::isoTime(now)}});
        return ExitOk;
    }
    rows.append(tableRow(QStringLiteral("(all)"), total, all));
    printTable(context.out(), rows);
    context.out() << "Measured over the last " << windowSeconds / 60
                  << " min: λ from tasks enqueued, μ from the run times of attempts that ended; workers: those of "
                     "the processes beating now (`workers`). Forecasts: the fluid model; Wq: M/M/c."
                  << Qt::endl;
    return ExitOk;
}

} // namespace qd::cli
