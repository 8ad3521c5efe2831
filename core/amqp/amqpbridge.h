#pragma once

#include "amqpbridgeconfig.h"
#include "stopsignal.h"

#include <QMetaType>
#include <QMutex>
#include <QString>

#include <functional>
#include <thread>

namespace qd {

class QueueEngine;

// What a bridge is doing, for the CLI and the GUI.
struct AmqpBridgeStatus {
    enum class State {
        Stopped,
        Connecting, // first connection attempt
        Connected, // consuming
        Reconnecting, // the connection failed or was lost (reason); trying again after a backoff
        Error, // the broker refused us (login, missing queue, access; reason); trying again after a backoff
    };
    State state = State::Stopped;
    QString reason; // why, for Reconnecting and Error
    qint64 since = 0; // when the state began (ms since the epoch)
    qint64 nextTryAt = 0; // Reconnecting and Error: when the next connection attempt starts; else 0
    qint64 received = 0; // deliveries handled (stored, found stored, or dead-lettered) and acked
    qint64 stored = 0; // new tasks committed
    qint64 duplicates = 0; // deliveries whose idempotency key already had a task (redeliveries)
    qint64 deadLettered = 0; // invalid messages published to the dead-letter exchange
    qint64 reconnects = 0; // sessions after the first
};

QString amqpBridgeStateName(AmqpBridgeStatus::State state);

struct AmqpBridgeOptions {
    int heartbeatSeconds = 10; // a dead broker or network is noticed within about twice this
    int timeoutMs = 5000; // connect, handshake and every RPC
    int backoffStartMs = 200; // reconnection delays double from this ...
    int backoffMaxMs = 5000; // ... up to this
    int pollMs = 100; // how long a wait for deliveries lasts before the stop flag is looked at
};

// Consumes one AMQP queue into QueueDesk on a thread of its own (a blocking rabbitmq-c loop with short timeouts).
//
// Each delivery is mapped to a task (mapAmqpMessage). Deliveries are collected up to `batch` or `batchMs`, their
// tasks committed with one QueueEngine::enqueueBatch (idempotency keys: a redelivered message finds its task), and
// only then acknowledged with one basic.ack(multiple). A message that is not a valid task is published, persistent,
// to the dead-letter exchange with the header x-queuedesk-reason (in an AMQP transaction on a second channel, so the
// broker has it before the ack) and acked with its batch. Any failure (broker gone, database locked, refused) drops
// the connection, so the broker requeues everything unacked, and the bridge reconnects after a backoff that doubles
// from backoffStartMs to backoffMaxMs. Nothing is acked before it is stored; nothing stored twice.
//
// Thread contract: construct, start(), stop() and destroy on one thread; `engine` must outlive the bridge. status()
// may be called from any thread. onStatus is called on the bridge's thread whenever the state, reason or next try
// changes (set it before start()).
class AmqpBridge {
public:
    AmqpBridge(QString name, AmqpBridgeConfig config, QueueEngine& engine, AmqpBridgeOptions options = {});
    ~AmqpBridge(); // stop()
    AmqpBridge(const AmqpBridge&) = delete;
    AmqpBridge& operator=(const AmqpBridge&) = delete;

    const QString& name() const { return m_name; }
    const AmqpBridgeConfig& config() const { return m_config; }

    void start();
    // Asks the thread to stop and returns at once (the destructor waits).
    void requestStop();
    // Stores and acks the deliveries in hand, closes the connection and joins the thread (within about pollMs,
    // plus timeoutMs if the broker stopped answering). Idempotent.
    void stop();
    AmqpBridgeStatus status() const;

    std::function<void(const AmqpBridgeStatus&)> onStatus;

private:
    class Session;
    void run();
    void setState(AmqpBridgeStatus::State state, const QString& reason = {}, qint64 nextTryAt = 0);
    void count(qint64 received, qint64 stored, qint64 duplicates, qint64 deadLettered);
    bool stopping() const { return m_stop.requested(); }

    const QString m_name;
    const AmqpBridgeConfig m_config;
    QueueEngine& m_engine;
    const AmqpBridgeOptions m_options;
    std::thread m_thread;
    StopSignal m_stop;
    mutable QMutex m_statusMutex;
    AmqpBridgeStatus m_status;
};

} // namespace qd

Q_DECLARE_METATYPE(qd::AmqpBridgeStatus)
