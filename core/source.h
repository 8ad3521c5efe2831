#pragma once

#include <QByteArray>
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

} // namespace qd

Q_DECLARE_METATYPE(qd::SourceRecord)
