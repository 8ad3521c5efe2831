#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace qd {

// A task a process runs now: a running row of `tasks` whose lease_owner is the process's id.
struct RunningTaskRef {
    qint64 id = 0;
    QString queue;
    QString type;
    int attempt = 0;
    qint64 startedAt = 0; // 0: claimed ahead, not started yet
};

// One process that runs an engine on the database, as its heartbeat row in `processes` (schema 6) says, with the
// tasks it holds (read from `tasks` by lease owner). A process beats every beatMs while it runs and removes its row
// when it stops cleanly; one that stopped beating for lostAfterMs() is lost (killed, hung, host gone). Pure value.
struct ProcessRecord {
    QString id; // the engine's lease owner name ("host:pid:tag"), so tasks name the process that holds them
    QString host;
    qint64 pid = 0;
    QString kind; // "gui", "cli"; empty: a lease owner with running tasks but no heartbeat row (see announced)
    QString version;
    QString user;
    qint64 startedAt = 0;
    qint64 lastSeen = 0;
    qint64 beatMs = 0;
    int workers = 0; // worker threads at the last beat
    QString queues; // the queues it serves: "*" for every queue (an engine's workers serve all)
    bool announced = true; // false: known only from the lease owner of running tasks (an engine that does not beat)
    QList<RunningTaskRef> running;

    enum class State { Ok, Lost, Unannounced };
    static constexpr int lostAfterBeats = 3;
    qint64 lostAfterMs() const { return beatMs * lostAfterBeats; }
    State state(qint64 now) const
    {
        if (!announced)
            return State::Unannounced;
        return now - lastSeen > lostAfterMs() ? State::Lost : State::Ok;
    }
    bool serves(const QString& queue) const
    {
        return queues == QLatin1String("*") || queue.isEmpty() || queues.split(QLatin1Char(',')).contains(queue);
    }
};

// "ok", "lost", "unannounced": the CLI's and the JSON's words.
inline QString processStateName(ProcessRecord::State state)
{
    switch (state) {
    case ProcessRecord::State::Ok:
        return QStringLiteral("ok");
    case ProcessRecord::State::Lost:
        return QStringLiteral("lost");
    case ProcessRecord::State::Unannounced:
        return QStringLiteral("unannounced");
    }
    return {};
}

// Workers of the live (beating) processes serving `queue` ("" for any); nothing when no process row was read at
// all (no engine announces itself: c must come from elsewhere).
inline std::optional<int> liveWorkersServing(const QList<ProcessRecord>& processes, const QString& queue, qint64 now)
{
    bool anyRow = false;
    int workers = 0;
    for (const ProcessRecord& p : processes) {
        if (!p.announced)
            continue;
        anyRow = true;
        if (p.state(now) == ProcessRecord::State::Ok && p.serves(queue))
            workers += p.workers;
    }
    return anyRow ? std::optional<int>(workers) : std::nullopt;
}

} // namespace qd

Q_DECLARE_METATYPE(qd::ProcessRecord)
