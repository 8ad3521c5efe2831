#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace qd {

// One row of the `sources` table (schema 3): something outside the queue that turns into tasks. `kind` names the
// code that runs it ("spool" today); `config` is that kind's settings as JSON text, so a new kind (an AMQP bridge,
// say) needs no new table.
struct SourceRecord {
    qint64 id = 0;
    QString kind;
    QString name; // unique among all sources
    QByteArray config; // a JSON object, as text
    bool paused = false;
    qint64 createdAt = 0;
};

// What the tasks of one source did, read from the tasks table by the source's idempotency-key prefix (see
// sourcekeys.h): how many it created lately, how many failed, and the newest failure's error.
struct SourceTaskStats {
    qint64 createdLastMinute = 0;
    qint64 createdLastFiveMinutes = 0;
    qint64 failed = 0; // tasks of the source in state failed (ended for good)
    QString lastError; // last_error of the newest failed task; empty when none failed
};

// A task event that ended a task (to_state succeeded, failed or cancelled), as the events-out relay publishes it.
// detail is as stored: sealed ("qdenc1:...") when the database is encrypted; the relay never opens it.
struct TerminalEvent {
    qint64 id = 0;
    qint64 taskId = 0;
    QString queue;
    QString type; // empty when the task was purged since
    QString kind; // succeeded, failed, cancelled, lease_expired...
    QString state; // succeeded, failed or cancelled
    int attempt = 0;
    qint64 at = 0;
    qint64 createdAt = 0; // the task's; 0 when purged
    qint64 durationMs = -1;
    QString worker;
    QString detail;
};

// What TaskStore::terminalEventsSince() read: the terminal events after a cursor, and how far the cursor may move
// (past other events too, never past an id that may still commit).
struct TerminalEventBatch {
    QList<TerminalEvent> events;
    qint64 lastEventId = 0;
    bool more = false; // the limit was reached: read again at once
};

} // namespace qd

Q_DECLARE_METATYPE(qd::SourceRecord)
