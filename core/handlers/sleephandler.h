#pragma once

#include "../taskhandler.h"

namespace qd {

// Sleeps for payload.ms milliseconds (cancellable), optionally failing afterwards: payload.fail = "retryable" or
// "permanent". For demos, tests of timeouts and cancellation, and latency benchmarks.
class SleepHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("sleep"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;
};

} // namespace qd
