#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace qd {

class HandlerContext;

// What a handler run came to. A retryable error is retried with backoff while attempts remain; a permanent error
// fails the task at once (bad payload, missing input file, HTTP 404...).
struct HandlerResult {
    enum class Outcome { Success, RetryableError, PermanentError };

    Outcome outcome = Outcome::Success;
    QJsonObject result; // stored as the task's result on success
    QString error;
    std::optional<qint64> retryAfterMs; // a server's Retry-After, honoured instead of the backoff when longer

    static HandlerResult success(QJsonObject result = {})
    {
        HandlerResult r;
        r.result = std::move(result);
        return r;
    }
    static HandlerResult retryable(QString error, std::optional<qint64> retryAfterMs = std::nullopt)
    {
        HandlerResult r;
        r.outcome = Outcome::RetryableError;
        r.error = std::move(error);
        r.retryAfterMs = retryAfterMs;
        return r;
    }
    static HandlerResult permanent(QString error)
    {
        HandlerResult r;
        r.outcome = Outcome::PermanentError;
        r.error = std::move(error);
        return r;
    }
};

// Runs one task type. Thread contract: one instance serves every worker thread at once, so run() and validate()
// must be safe to call concurrently (keep per-run state on the stack). run() must return promptly once
// context.isCancelled() turns true (cancellation by an admin, a timeout, or shutdown) and must not throw.
class TaskHandler {
public:
    virtual ~TaskHandler() = default;

    virtual QString type() const = 0;
    virtual QString description() const = 0;
    // A payload an admin can start from in the enqueue dialog.
    virtual QJsonObject payloadTemplate() const = 0;
    // Checked at enqueue time. Returns an error message naming the bad field, or nothing when the payload is fine.
    virtual std::optional<QString> validate(const QJsonObject& payload) const = 0;
    // True when validate() accepts every JSON object (the type reads no field of its payload): a caller that wrote
    // the payload as a JSON object itself need not parse it again to validate it.
    virtual bool acceptsAnyPayload() const { return false; }
    virtual HandlerResult run(const QJsonObject& payload, HandlerContext& context) const = 0;
};

} // namespace qd
