#pragma once

#include "amqpbridge.h"
#include "amqpeventrelay.h"
#include "sourcestatepublisher.h"
#include "stopsignal.h"

#include "core/storeoptions.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QSet>

#include <map>
#include <memory>
#include <thread>

namespace qd {

class QueueEngine;
class TaskStore;

struct AmqpServiceOptions {
    StoreOptions store; // the engine's database: the service reads the sources table through it
    qint64 sourcesMs = 5000; // how often the sources table is read again (added, removed, paused, changed bridges)
    AmqpBridgeOptions bridge;
    AmqpRelayOptions relay;
};

// Runs every AMQP bridge of the `sources` table (kind "amqp", not paused), each on its own thread (AmqpBridge), and
// every events-out relay (kind "amqp-out", not paused; AmqpEventRelay, with its own connection to the database). A
// thread of the service reads the table through its own TaskStore every sourcesMs and starts, stops or restarts
// bridges to match: a paused or removed bridge stops (after storing and acking what it holds), a changed one
// restarts with its new settings. Each bridge's and relay's state (consuming or publishing, reconnecting and why,
// ...) is written to `source_states` under this process's heartbeat id (SourceStatePublisher), where windows read it.
//
// Thread contract: construct, start() and destroy on one thread; `engine` must outlive the service. statuses() may
// be called from any thread. statusChanged is emitted from a bridge's thread, errorOccurred from the service's:
// connect with a context object to receive them queued.
class AmqpService : public QObject {
    Q_OBJECT
public:
    AmqpService(QueueEngine& engine, AmqpServiceOptions options, QObject* parent = nullptr);
    ~AmqpService() override; // stops every bridge, then the service's thread
    void start();

    // The running bridges' states and counters, by source name.
    QHash<QString, AmqpBridgeStatus> statuses() const;
    // The running relays' states and counters, by source name.
    QHash<QString, AmqpRelayStatus> relayStatuses() const;

Q_SIGNALS:
    void statusChanged(const QString& name, const qd::AmqpBridgeStatus& status);
    void relayStatusChanged(const QString& name, const qd::AmqpRelayStatus& status);
    // A bridge that cannot run (its settings are invalid, the database cannot be read); repeated only when it changes.
    void errorOccurred(const QString& message);

private:
    void run();
    void reload(TaskStore& store);
    void error(const QString& message);

    QueueEngine& m_engine;
    const AmqpServiceOptions m_options;
    std::thread m_thread;
    StopSignal m_stop;
    // Guards m_bridges' map (bridges and relays are started and stopped on the service's thread).
    mutable QMutex m_mutex;
    struct Running {
        QByteArray config; // as stored, to see a change
        std::unique_ptr<AmqpBridge> bridge; // one of these two
        std::unique_ptr<AmqpEventRelay> relay;
        void requestStop() const
        {
            if (bridge)
                bridge->requestStop();
            if (relay)
                relay->requestStop();
        }
    };
    std::map<QString, Running> m_bridges;
    SourceStatePublisher m_publisher; // the bridges' and relays' states into `source_states`, for windows
    QSet<QString> m_errors; // reported already (service thread)
};

} // namespace qd
