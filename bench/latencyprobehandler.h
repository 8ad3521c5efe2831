#pragma once

#include "core/taskhandler.h"

#include <chrono>
#include <mutex>
#include <vector>

namespace qd::bench {

// Collects enqueue-to-start latencies. Thread contract: record() from any worker thread; take() once they are idle.
class LatencyRecorder {
public:
    void record(double ms);
    std::size_t count() const;
    std::vector<double> take();

private:
    mutable std::mutex m_mutex;
    std::vector<double> m_latenciesMs;
};

// Steady-clock nanoseconds, the unit of the "t0" payload field.
inline qint64 steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Task type "bench_latency": records now - payload.t0 the moment a worker starts it, then succeeds.
// Thread contract: as every handler, run() is called concurrently from the worker threads.
class LatencyProbeHandler : public TaskHandler {
public:
    explicit LatencyProbeHandler(LatencyRecorder& recorder);

    QString type() const override;
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;

private:
    LatencyRecorder& m_recorder;
};

} // namespace qd::bench
