#pragma once

#include "amqpbridge.h"
#include "amqpeventsoutconfig.h"
#include "stopsignal.h"

#include "core/storeoptions.h"

#include <QMetaType>
#include <QMutex>
#include <QString>

#include <functional>
#include <thread>

namespace qd {

// What a relay is doing, for the CLI and the GUI (the states are a bridge's).
struct AmqpRelayStatus {
    AmqpBridgeStatus::State state = AmqpBridgeStatus::State::Stopped;
    QString reason; // why, for Reconnecting and Error
    qint64 since = 0; // when the state began (ms since the epoch)
    qint64 nextTryAt = 0; // Reconnecting and Error: when the next round starts; else 0
    qint64 published = 0; // events confirmed by the broker
    qint64 cursor = 0; // the last event id stored as done
    qint64 reconnects = 0;
};

struct AmqpRelayOptions {
    int timeoutMs = 5000; // connect, handshake, every RPC, and a confirm wait without a frame
    int backoffStartMs = 200; // reconnection delays double from this ...
    int backoffMaxMs = 5000; // ... up to this
    int pollMs = 200; // how often the history is read again when the last read found nothing more
};

// Publishes the events of ended tasks (succeeded, failed, cancelled) to an exchange, on a thread of its own: the
// task history (task_events, written in each task's own transaction) is the outbox. Each round reads up to `batch`
// events after the source's cursor (TaskStore::terminalEventsSince: never past an id that may still commit),
// publishes the terminal ones in id order (terminalEventMessage), waits for the broker's confirms, and only then
// moves the cursor (source_cursors) past them. A lost connection, a nack, an unroutable event (no queue bound, or a
// queue down while the broker stops: the relay shows it as an error and keeps trying) or a store error leaves the
// cursor where it was, so the same events are sent again after a backoff or a restart: at least once, in order,
// each with the message id qd-event-<id> for consumers to dedupe.
//
// Thread contract: construct, start(), stop() and destroy on one thread. status() from any thread. onStatus is
// called on the relay's thread when the state, reason or next try changes (set it before start()).
class AmqpEventRelay {
public:
    AmqpEventRelay(QString name, AmqpEventsOutConfig config, StoreOptions store, AmqpRelayOptions options = {});
    ~AmqpEventRelay(); // stop()
    AmqpEventRelay(const AmqpEventRelay&) = delete;
    AmqpEventRelay& operator=(const AmqpEventRelay&) = delete;

    const QString& name() const { return m_name; }
    void start();
    void requestStop();
    // Finishes the round in hand (its confirms and cursor move), then joins the thread. Idempotent.
    void stop();
    AmqpRelayStatus status() const;

    std::function<void(const AmqpRelayStatus&)> onStatus;

private:
    void run();
    void setState(AmqpBridgeStatus::State state, const QString& reason = {}, qint64 nextTryAt = 0);
    bool stopping() const { return m_stop.requested(); }

    const QString m_name;
    const AmqpEventsOutConfig m_config;
    const StoreOptions m_store;
    const AmqpRelayOptions m_options;
    std::thread m_thread;
    StopSignal m_stop;
    mutable QMutex m_statusMutex;
    AmqpRelayStatus m_status;
};

} // namespace qd

Q_DECLARE_METATYPE(qd::AmqpRelayStatus)
