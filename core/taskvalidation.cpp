// Checks applied to a task before anything is written, and the backoff arithmetic: pure functions with no
// database, so the engine can run them on the caller's thread.
#include "taskvalidation.h"

#include "handlerregistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>

namespace qd {

namespace {
constexpr int maxPriority = 100;
constexpr int maxAttemptsLimit = 1000;
constexpr qint64 maxDelayMs = 366LL * 24 * 3600 * 1000;
constexpr int maxPayloadBytes = 1 << 20;
} // namespace

std::optional<Error> validateNewTask(
    const NewTask& task, const HandlerRegistry& handlers, const QJsonObject* parsedPayload)
{
    auto invalid = [](QString message) { return Error {ErrorCode::InvalidArgument, std::move(message)}; };
    if (!isValidQueueName(task.queue))
        return invalid(
            QStringLiteral("Invalid queue name \"%1\": use 1-64 letters, digits, '_', '-' or '.'").arg(task.queue));
    if (task.type.isEmpty())
        return invalid(QStringLiteral("No task type given"));
    const TaskHandler* handler = handlers.find(task.type);
    if (!handler)
        return invalid(QStringLiteral("Unknown task type \"%1\" (known: %2)")
                           .arg(task.type, handlers.types().join(QLatin1String(", "))));
    if (task.priority < 0 || task.priority > maxPriority)
        return invalid(QStringLiteral("Priority %1 is out of range: use 0 to %2 (higher runs first)")
                           .arg(task.priority)
                           .arg(maxPriority));
    if (task.delayMs < 0)
        return invalid(QStringLiteral("Delay %1 ms is negative").arg(task.delayMs));
    if (task.delayMs > maxDelayMs)
        return invalid(QStringLiteral("Delay %1 ms is more than a year").arg(task.delayMs));
    if (task.runAt < 0)
        return invalid(QStringLiteral("Run-at time %1 is negative").arg(task.runAt));
    if (task.maxAttempts < 0 || task.maxAttempts > maxAttemptsLimit)
        return invalid(QStringLiteral("Max attempts %1 is out of range: use 1 to %2 (0: the queue's default)")
                           .arg(task.maxAttempts)
                           .arg(maxAttemptsLimit));
    if (task.timeoutMs < 0)
        return invalid(QStringLiteral("Timeout %1 ms is negative").arg(task.timeoutMs));
    if (task.retryPolicy) {
        const RetryPolicy& p = *task.retryPolicy;
        if (p.baseDelayMs < 0 || p.maxDelayMs < p.baseDelayMs || p.jitter < 0 || p.jitter > 1)
            return invalid(
                QStringLiteral("Invalid retry policy: need 0 <= base delay <= max delay and jitter in [0, 1]"));
    }
    if (task.idempotencyKey.size() > 255)
        return invalid(QStringLiteral("Idempotency key is longer than 255 characters"));
    if (task.payload.size() > maxPayloadBytes)
        return invalid(QStringLiteral("Payload is larger than %1 bytes").arg(maxPayloadBytes));
    QJsonObject parsed;
    if (!parsedPayload) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(task.payload, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return invalid(QStringLiteral("Payload is not valid JSON: %1 at offset %2")
                               .arg(parseError.errorString())
                               .arg(parseError.offset));
        if (!document.isObject())
            return invalid(QStringLiteral("Payload must be a JSON object ({...})"));
        parsed = document.object();
        parsedPayload = &parsed;
    }
    if (auto problem = handler->validate(*parsedPayload))
        return invalid(QStringLiteral("Invalid payload for \"%1\": %2").arg(task.type, *problem));
    return std::nullopt;
}

std::optional<Error> validateNewTasks(const QList<NewTask>& tasks, const HandlerRegistry& handlers)
{
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        if (std::optional<Error> error = validateNewTask(tasks.at(i), handlers)) {
            if (tasks.size() > 1)
                error->message = QStringLiteral("Task %1 of the batch: %2").arg(i + 1).arg(error->message);
            return error;
        }
    }
    return std::nullopt;
}

std::optional<Error> concurrencyError(int concurrency)
{
    if (concurrency >= 0 && concurrency <= 1000)
        return std::nullopt;
    return Error {ErrorCode::InvalidArgument, QStringLiteral("Concurrency must be 0 (no limit) to 1000")};
}

std::optional<Error> queueNameError(const QString& queue)
{
    if (isValidQueueName(queue))
        return std::nullopt;
    return Error {ErrorCode::InvalidArgument,
        QStringLiteral("Invalid queue name \"%1\": use 1-64 letters, digits, '_', '-' or '.'").arg(queue)};
}

qint64 backoffDelayMs(const RetryPolicy& policy, int attempt, double random01)
{
    const int exponent = std::clamp(attempt - 1, 0, 62);
    const double raw = double(policy.baseDelayMs) * std::pow(2.0, exponent);
    const double capped = std::min(raw, double(policy.maxDelayMs));
    return qint64(std::llround(capped * (1.0 - policy.jitter * std::clamp(random01, 0.0, 1.0))));
}

} // namespace qd
