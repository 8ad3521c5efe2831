#include "latencyprobehandler.h"

#include <QJsonObject>

namespace qd::bench {

void LatencyRecorder::record(double ms)
{
    std::lock_guard lock(m_mutex);
    m_latenciesMs.push_back(ms);
}

std::size_t LatencyRecorder::count() const
{
    std::lock_guard lock(m_mutex);
    return m_latenciesMs.size();
}

std::vector<double> LatencyRecorder::take()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_latenciesMs, {});
}

LatencyProbeHandler::LatencyProbeHandler(LatencyRecorder& recorder)
    : m_recorder(recorder)
{ }

QString LatencyProbeHandler::type() const
{
    return QStringLiteral("bench_latency");
}

QString LatencyProbeHandler::description() const
{
    return QStringLiteral("Benchmark probe: records the time from enqueue to handler start.");
}

QJsonObject LatencyProbeHandler::payloadTemplate() const
{
    return QJsonObject {{QStringLiteral("t0"), 0}};
}

std::optional<QString> LatencyProbeHandler::validate(const QJsonObject& payload) const
{
    if (!payload.value(QLatin1String("t0")).isDouble())
        return QStringLiteral("t0 must be a number (steady-clock nanoseconds)");
    return std::nullopt;
}

HandlerResult LatencyProbeHandler::run(const QJsonObject& payload, HandlerContext&) const
{
    // Taken first: the payload is already parsed by the worker, which belongs to the path being measured.
    const qint64 startNs = steadyNowNs();
    const auto t0 = qint64(payload.value(QLatin1String("t0")).toDouble());
    m_recorder.record(double(startNs - t0) / 1e6);
    return HandlerResult::success();
}

} // namespace qd::bench
