#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace qd {

// What one process running a source says the source is doing: a row of `source_states` (schema 10), keyed by source
// and process, written when it changes (an AMQP bridge's or events-out relay's connect, loss, retry), removed with the
// process's heartbeat row at a clean stop. A row is only believed while its process beats (processLastSeen,
// processBeatMs). Pure value.
struct SourceRunState {
    QString source; // the `sources` row's name
    QString processId; // the process's heartbeat id (QueueEngine::ownerName())
    QString state; // see the constants below
    QString detail; // the last error, for reconnecting and error; empty otherwise
    qint64 since = 0; // when the source entered this state (ms since the epoch)
    qint64 nextTryAt = 0; // reconnecting and error: when the next attempt is due; 0 when none is planned
    qint64 updatedAt = 0; // when the row was written

    // Filled by TaskStore::sourceRunStates() from the process's heartbeat row; 0 when it has none.
    qint64 processLastSeen = 0;
    qint64 processBeatMs = 0;

    // True while the writing process is alive as far as its heartbeat row tells (ProcessRecord's rule: three beats).
    bool isCurrent(qint64 now) const { return processLastSeen > 0 && now - processLastSeen <= processBeatMs * 3; }

    static constexpr const char* connecting = "connecting";
    static constexpr const char* consuming = "consuming"; // an AMQP bridge, connected
    static constexpr const char* publishing = "publishing"; // an events-out relay, connected
    static constexpr const char* reconnecting = "reconnecting";
    static constexpr const char* error = "error"; // the broker refused us (login, missing queue); tried again later
    static constexpr const char* stopped = "stopped";
};

} // namespace qd

Q_DECLARE_METATYPE(qd::SourceRunState)
