#pragma once

#include "amqpurl.h"

#include "core/result.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

namespace qd {

// The brokers `amqp` tasks may publish to, by name: a task's payload says "connection": "NAME" and never holds a
// URL or a password, so none is stored in the database. The process that runs workers fills it at start
// (`queuedesk-cli work --amqp-url NAME=URL`, or the environment variable QUEUEDESK_AMQP_URL_<NAME>).
// Thread contract: any thread (a mutex); one directory per process (instance()).
class AmqpConnectionDirectory {
public:
    static AmqpConnectionDirectory& instance();

    // A valid name: 1-64 of A-Z a-z 0-9 _ - (so it also fits an environment variable's name when it has no '-').
    static bool isValidName(const QString& name);
    // Parses "NAME=URL"; adds or replaces it.
    Status add(const QString& nameEqualsUrl);
    void set(const QString& name, const AmqpUrl& url);
    // Every QUEUEDESK_AMQP_URL_<NAME> of the environment (not replacing a name set already); the number added.
    Result<int> addFromEnvironment();
    std::optional<AmqpUrl> find(const QString& name) const;
    void clear();

private:
    mutable QMutex m_mutex;
    QHash<QString, AmqpUrl> m_urls;
};

} // namespace qd
