#pragma once

// The "record" task type as a test process sees it: the worker processes (testworker.cpp) run it, the test only
// enqueues it, so its registry must know the type. A run here would be a mistake, so it fails permanently.
#include "core/handlerregistry.h"
#include "core/taskhandler.h"

#include <memory>

namespace qd::test {

class RecordTypeStub final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("record"); }
    QString description() const override { return {}; }
    QJsonObject payloadTemplate() const override { return {}; }
    std::optional<QString> validate(const QJsonObject&) const override { return std::nullopt; }
    HandlerResult run(const QJsonObject&, HandlerContext&) const override
    {
        return HandlerResult::permanent(QStringLiteral("not here"));
    }
};

inline std::shared_ptr<HandlerRegistry> registryWithRecord()
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry);
    registry->add(std::make_unique<RecordTypeStub>());
    return registry;
}

} // namespace qd::test
