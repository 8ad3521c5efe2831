#pragma once

#include "amqpbridge.h"
#include "amqpeventrelay.h"

#include "core/sourcerunstate.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace qd {

class QueueEngine;

// The row a bridge's status becomes in `source_states`: connecting, consuming, reconnecting or error (with the
// reason and the next try), stopped.
SourceRunState bridgeRunState(const QString& source, const AmqpBridgeStatus& status);
// The row an events-out relay's status becomes: publishing when connected, else as a bridge's.
SourceRunState relayRunState(const QString& source, const AmqpRelayStatus& status);

// Writes the states of this process's sources (bridges and relays) to `source_states` (TaskStore::setSourceRunState)
// through the engine's writer, on a thread of its own, so that a bridge never waits on the database. publish() keeps
// the newest state of each source and wakes the thread, which writes it (a state replaced before it was written is
// never written). A failed write is tried again after retryMs; the process's rows go with its heartbeat row at a clean
// stop. Does nothing on a read-only engine.
//
// Thread contract: construct and destroy on one thread; publish() from any thread. The engine must outlive it.
class SourceStatePublisher {
public:
    explicit SourceStatePublisher(QueueEngine& engine, qint64 retryMs = 1000);
    ~SourceStatePublisher(); // one last try for what is pending, then joins the thread
    SourceStatePublisher(const SourceStatePublisher&) = delete;
    SourceStatePublisher& operator=(const SourceStatePublisher&) = delete;

    // Fills in the process id and the time written.
    void publish(SourceRunState state);

private:
    void run();

    QueueEngine& m_engine;
    const QString m_processId;
    const qint64 m_retryMs;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<QString, SourceRunState> m_pending; // by source name
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace qd
