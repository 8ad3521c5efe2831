#pragma once

#include "result.h"
#include "task.h"

#include <QJsonObject>

#include <optional>

namespace qd {

class HandlerRegistry;

// Checks a task before it is stored: queue name, type known to the registry, payload a JSON object that the
// handler accepts, priority 0..100, no negative delay, attempts and timeout in range. A caller that has already
// parsed the payload passes it as parsedPayload (the object task.payload holds), so it is parsed once. Any thread.
std::optional<Error> validateNewTask(
    const NewTask& task, const HandlerRegistry& handlers, const QJsonObject* parsedPayload = nullptr);

// validateNewTask for each task of a batch; the error of the first bad one names its place in the batch.
std::optional<Error> validateNewTasks(const QList<NewTask>& tasks, const HandlerRegistry& handlers);

// InvalidArgument naming the rule when `queue` is not a valid queue name (isValidQueueName), else nothing.
std::optional<Error> queueNameError(const QString& queue);
// InvalidArgument unless 0 (no limit of its own) <= concurrency <= 1000.
std::optional<Error> concurrencyError(int concurrency);

} // namespace qd
