#pragma once

#include "core/source.h"
#include "core/sourcerunstate.h"
#include "core/spool/spoolbacklog.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace qd::ui {

// Where an events-out relay (kind "amqp-out") is in the task history: its cursor in task_events and what waits.
struct RelayProgress {
    std::optional<qint64> cursor; // the last event id passed after the broker confirmed; unset before the first run
    std::optional<qint64> cursorAt; // when the event at the cursor was recorded (unset: none, or purged)
    // Ended tasks' events after the cursor, what the relay has still to publish, counted up to waitingCap; unset
    // before the first run (the relay then starts from the newest event).
    std::optional<qint64> waiting;
    static constexpr qint64 waitingCap = 100'000;
};

// One row of the Sources panel, read by StoreReader::fetchSources: the `sources` row, what its configuration says,
// what its tasks did, (spools) what waits in its folders on this host, (events-out relays) where it is, and (AMQP
// bridges) what the processes running it say it is doing.
struct SourceStatus {
    SourceRecord record;
    QString queue; // the queue its tasks go to (a task JSON may name another)
    QString type; // the type of tasks made from plain data (empty: only task JSON is taken)
    QString origin; // where it reads: the spool folder, or the AMQP queue and broker (without password)
    bool configValid = true; // false: the configuration does not parse, no one can run the source
    QString error; // the configuration does not parse, or its tasks or folders could not be read
    std::optional<SourceTaskStats> tasks; // unset when they could not be read
    std::optional<SpoolBacklog> spool; // spools only
    std::optional<RelayProgress> relay; // events-out relays only
    // What the processes running it say (AMQP bridges in `work` processes), one per live process; empty when no
    // live process has said anything.
    QList<SourceRunState> runStates;
};

} // namespace qd::ui

Q_DECLARE_METATYPE(qd::ui::SourceStatus)
