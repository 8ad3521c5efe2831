#pragma once

#include "../taskhandler.h"
#include "networkpolicy.h"

#include <memory>

namespace qd {

class HandlerPolicy;

// Type "notify": POSTs a JSON body to a webhook URL.
//
// Payload:
//   url        (string, required)  an http:// or https:// URL
//   body       (any JSON, optional) sent as application/json; default {}
//   headers    (object of strings, optional) extra request headers
//   timeoutMs  (1..600000, optional) for the whole exchange, default 10000; the task's own timeout still applies
//
// Result: status, responseExcerpt (the first 1 KiB of the answer, as text), elapsedMs.
// Failures: network errors, timeouts, 429 and 5xx are retryable (a Retry-After in seconds or as an HTTP date is
// passed on as HandlerResult::retryAfterMs); other 4xx, an unsupported scheme and an unfollowed redirect are permanent.
// Redirects are followed unless they go from https to http.
//
// Destinations pass the NetworkPolicy: a literal address at validate() (so at enqueue), the addresses a name resolves
// to before the request, and every redirect's target. Qt resolves the name once more when it connects, so a DNS
// server that answers differently within those milliseconds is not caught (the policy is not a firewall).
//
// Each run() makes its own QNetworkAccessManager and spins a local QEventLoop, because worker threads have no event
// loop of their own; a 25 ms timer polls for a stop request and aborts the request.
//
// The policy is fixed at construction, or read from a HandlerPolicy (a database's network.* settings) at every
// validate() and run().
//
// Thread contract: stateless; run() and validate() may be called from any number of threads at once.
class NotifyHandler final : public TaskHandler {
public:
    explicit NotifyHandler(NetworkPolicy policy = {})
        : m_policy(std::move(policy))
    { }
    explicit NotifyHandler(std::shared_ptr<const HandlerPolicy> policy)
        : m_source(std::move(policy))
    { }

    // Built with the default policy, or bound to another engine's policy: an engine replaces it by one that follows
    // its own database.
    bool followsDatabase() const;

    QString type() const override { return QStringLiteral("notify"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;

private:
    NetworkPolicy policy() const;

    const NetworkPolicy m_policy;
    const std::shared_ptr<const HandlerPolicy> m_source;
};

} // namespace qd
