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

} // namespace qd

Q_DECLARE_METATYPE(qd::SourceRecord)
