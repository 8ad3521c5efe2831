#pragma once

#include "../taskhandler.h"

namespace qd {

// Does nothing and succeeds: for demos and for measuring the queue's own overhead.
class NoopHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("noop"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override { return {}; }
    std::optional<QString> validate(const QJsonObject& payload) const override;
    bool acceptsAnyPayload() const override { return true; }
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;
};

} // namespace qd
