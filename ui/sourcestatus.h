#pragma once

#include "core/source.h"
#include "core/spool/spoolbacklog.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace qd::ui {

// One row of the Sources panel, read by StoreReader::fetchSources: the `sources` row, what its configuration says,
// what its tasks did, and (spools) what waits in its folders on this host.
struct SourceStatus {
    SourceRecord record;
    QString queue; // the queue its tasks go to (a task JSON may name another)
    QString type; // the type of tasks made from plain data (empty: only task JSON is taken)
    QString origin; // where it reads: the spool folder, or the AMQP queue and broker (without password)
    bool configValid = true; // false: the configuration does not parse, no one can run the source
    QString error; // the configuration does not parse, or its tasks or folders could not be read
    std::optional<SourceTaskStats> tasks; // unset when they could not be read
    std::optional<SpoolBacklog> spool; // spools only
};

} // namespace qd::ui

Q_DECLARE_METATYPE(qd::ui::SourceStatus)
