#include "workersmodel.h"

#include "core/queueengine.h"
#include "readerthread.h"
#include "taskformat.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFont>
#include <QSysInfo>

#include <algorithm>

namespace qd::ui {

namespace {

constexpr quintptr processRowId = 0; // internalId of a process row; a worker row's is its process row + 1

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

bool sameWorker(const auto& a, const auto& b)
{
    return a.name == b.name && a.busy == b.busy && a.queue == b.queue && a.type == b.type && a.taskId == b.taskId
        && a.since == b.since;
}

// "1 worker", "4 workers".
QString workersText(qint64 n)
{
    return n == 1 ? WorkersModel::tr("1 worker") : WorkersModel::tr("%1 workers").arg(n);
}

// "4 s", "3m 12s": how long ago, in whole seconds (a beat every few seconds needs no milliseconds).
QString agoText(qint64 ms)
{
    ms = std::max<qint64>(0, ms);
    return ms < 60'000 ? WorkersModel::tr("%1 s").arg(ms / 1000) : formatDuration(ms);
}

// "06:27:16" today, else "2026-12-04 06:27:16".
QString sinceText(qint64 at)
{
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(at);
    return time.date() == QDate::currentDate() ? time.toString(QStringLiteral("HH:mm:ss")) : formatTimestamp(at);
}

// Live processes first, then lost ones, then lease owners without a row; the store's order (host, start) within.
int stateRank(const ProcessRecord& p, qint64 now)
{
    return int(p.state(now));
}

} // namespace

WorkersModel::WorkersModel(QueueEngine* engine, ReaderThread* reader, QObject* parent)
    : QAbstractItemModel(parent)
    , m_engine(engine)
    , m_reader(reader)
{
    m_processes.append(ProcessRow {ownRecord(), true, ownWorkers()});
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(refreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &WorkersModel::refreshOwnWorkers);
    connect(engine, &QueueEngine::workersChanged, this, [this] {
        if (!m_refreshTimer.isActive())
            m_refreshTimer.start();
    });
    connect(reader->reader(), &StoreReader::processesFetched, this, &WorkersModel::applyProcesses);
    m_processesTimer.setInterval(processesRefreshMs);
    connect(&m_processesTimer, &QTimer::timeout, this, [this] {
        if (!m_inFlight) // a slow read is not queued again behind itself
            reload();
    });
    m_processesTimer.start();
    reload();
}

void WorkersModel::reload()
{
    refreshOwnWorkers();
    const quint64 id = ++m_latestRequest;
    m_inFlight = true;
    m_reader->post([id](StoreReader* r) { r->fetchProcesses(id); });
}

int WorkersModel::busyCount() const
{
    const QList<WorkerRow>& own = m_processes.first().workers;
    return int(std::count_if(own.cbegin(), own.cend(), [](const WorkerRow& w) { return w.busy; }));
}

ProcessRecord WorkersModel::ownRecord() const
{
    ProcessRecord p;
    p.id = m_engine->ownerName();
    p.host = QSysInfo::machineHostName();
    p.pid = QCoreApplication::applicationPid();
    p.kind = m_engine->options().processKind;
    p.workers = m_engine->workerCount();
    p.announced = false; // until our row is read
    return p;
}

QList<WorkersModel::WorkerRow> WorkersModel::ownWorkers() const
{
    QList<WorkerStatus> statuses = m_engine->workers();
    std::sort(statuses.begin(), statuses.end(),
        [](const WorkerStatus& a, const WorkerStatus& b) { return a.index < b.index; });
    QList<WorkerRow> rows;
    rows.reserve(statuses.size());
    for (const WorkerStatus& w : std::as_const(statuses)) {
        rows.append(WorkerRow {tr("worker %1").arg(w.index + 1), w.busy, w.busy ? w.queue : QString(),
            w.busy ? w.taskType : QString(), w.busy ? w.taskId : 0, w.since, w.name});
    }
    return rows;
}

QList<WorkersModel::WorkerRow> WorkersModel::workersOf(const ProcessRecord& record, qint64 now)
{
    // Which of its workers runs which task, the database does not say: its running tasks, then its idle workers.
    QList<WorkerRow> rows;
    for (const RunningTaskRef& t : record.running) {
        rows.append(WorkerRow {
            tr("worker %1").arg(rows.size() + 1), true, t.queue, t.type, t.id, t.startedAt > 0 ? t.startedAt : 0, {}});
    }
    if (record.state(now) == ProcessRecord::State::Ok) {
        while (rows.size() < record.workers)
            rows.append(WorkerRow {tr("worker %1").arg(rows.size() + 1), false, {}, {}, 0, 0, {}});
    }
    return rows;
}

void WorkersModel::refreshOwnWorkers()
{
    const int busyBefore = busyCount();
    const qsizetype workersBefore = m_processes.first().workers.size();
    setWorkers(0, ownWorkers());
    if (busyCount() != busyBefore || m_processes.first().workers.size() != workersBefore)
        Q_EMIT dataChanged(index(0, 0), index(0, ColumnCount - 1)); // its summary counts them
}

void WorkersModel::setWorkers(int row, QList<WorkerRow> workers)
{
    QList<WorkerRow>& shown = m_processes[row].workers;
    const QModelIndex parentIndex = index(row, 0);
    // Workers come and go at the end of the list: rows are updated in place and added or removed there.
    const qsizetype common = std::min(shown.size(), workers.size());
    if (shown.size() > workers.size()) {
        beginRemoveRows(parentIndex, int(common), int(shown.size() - 1));
        shown.resize(common);
        endRemoveRows();
    }
    for (qsizetype r = 0; r < common; ++r) {
        if (!sameWorker(shown[r], workers[r])) {
            shown[r] = workers[r];
            Q_EMIT dataChanged(index(int(r), 0, parentIndex), index(int(r), ColumnCount - 1, parentIndex));
        }
    }
    if (workers.size() > common) {
        beginInsertRows(parentIndex, int(common), int(workers.size() - 1));
        shown.append(workers.mid(common));
        endInsertRows();
    }
}

void WorkersModel::applyProcesses(quint64 requestId, const QList<ProcessRecord>& processes, const QString& error)
{
    if (requestId != m_latestRequest)
        return;
    m_inFlight = false;
    m_readError = error;
    const qint64 now = nowMs();
    const QString ownId = m_engine->ownerName();
    ProcessRecord own = ownRecord();
    QList<ProcessRecord> others;
    for (const ProcessRecord& p : processes) {
        if (p.id == ownId)
            own = p;
        else
            others.append(p);
    }
    std::stable_sort(others.begin(), others.end(),
        [now](const ProcessRecord& a, const ProcessRecord& b) { return stateRank(a, now) < stateRank(b, now); });

    bool sameProcesses = others.size() == m_processes.size() - 1;
    for (qsizetype i = 0; sameProcesses && i < others.size(); ++i)
        sameProcesses = others[i].id == m_processes[i + 1].record.id;
    if (!sameProcesses) {
        beginResetModel();
        m_processes.resize(1);
        m_processes.first().record = own;
        for (const ProcessRecord& p : std::as_const(others))
            m_processes.append(ProcessRow {p, false, workersOf(p, now)});
        endResetModel();
    } else {
        m_processes.first().record = own;
        for (qsizetype i = 0; i < others.size(); ++i) {
            m_processes[i + 1].record = others[i];
            setWorkers(int(i + 1), workersOf(others[i], now));
        }
        // Last seen, states and counts move on every read.
        Q_EMIT dataChanged(index(0, 0), index(int(m_processes.size() - 1), ColumnCount - 1));
    }
    Q_EMIT processesRead();
}

QModelIndex WorkersModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_processes.size() ? createIndex(row, column, processRowId) : QModelIndex();
    if (parent.internalId() != processRowId || parent.column() != 0 || parent.row() >= m_processes.size())
        return {};
    if (row >= m_processes[parent.row()].workers.size())
        return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex WorkersModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == processRowId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, processRowId);
}

int WorkersModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return int(m_processes.size());
    if (parent.internalId() != processRowId || parent.column() != 0)
        return 0;
    return int(m_processes.value(parent.row()).workers.size());
}

int WorkersModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QString WorkersModel::processSummary(const ProcessRow& process) const
{
    const ProcessRecord& p = process.record;
    const qint64 now = nowMs();
    QStringList parts;
    // "vm:27734 gui (this window)": host and pid as in the lease owner names of the task history.
    QString who = QStringLiteral("%1:%2").arg(p.host).arg(p.pid);
    if (!p.kind.isEmpty())
        who += QLatin1Char(' ') + p.kind;
    if (process.self)
        who += QLatin1Char(' ') + tr("(this window)");
    parts.append(who);
    if (process.self) {
        parts.append(tr("%1, %2 busy").arg(workersText(process.workers.size())).arg(busyCount()));
        if (m_engine->isReadOnly())
            parts.append(tr("read-only: not announced"));
        else if (!p.announced)
            parts.append(m_readError.isEmpty() ? tr("announcing…") : tr("not announced: %1").arg(m_readError));
        else
            parts.append(tr("seen %1 ago").arg(agoText(now - p.lastSeen)));
        return parts.join(QStringLiteral(" · "));
    }
    switch (p.state(now)) {
    case ProcessRecord::State::Ok:
        parts.append(tr("%1, %2 running").arg(workersText(p.workers)).arg(p.running.size()));
        parts.append(tr("seen %1 ago").arg(agoText(now - p.lastSeen)));
        break;
    case ProcessRecord::State::Lost:
        parts.append(tr("lost since %1").arg(sinceText(p.lastSeen)));
        if (!p.running.isEmpty())
            parts.append(tr("%1 task(s) held until their leases expire").arg(p.running.size()));
        break;
    case ProcessRecord::State::Unannounced:
        parts.append(tr("no heartbeat"));
        parts.append(tr("%1 running").arg(p.running.size()));
        break;
    }
    return parts.join(QStringLiteral(" · "));
}

QVariant WorkersModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const qint64 now = nowMs();
    if (index.internalId() == processRowId) {
        const ProcessRow& process = m_processes.at(index.row());
        const ProcessRecord& p = process.record;
        const bool lost = !process.self && p.state(now) == ProcessRecord::State::Lost;
        switch (role) {
        case ProcessStateRole:
            return int(p.state(now));
        case IsThisProcessRole:
            return process.self;
        case ProcessIdRole:
            return p.id;
        case LastSeenRole:
            return p.lastSeen;
        case Qt::FontRole:
            if (process.self) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case Qt::ForegroundRole:
            return lost || (!process.self && !p.announced) ? QVariant(QColor(Qt::gray)) : QVariant();
        case Qt::ToolTipRole:
            if (!p.announced)
                return process.self ? m_engine->ownerName() : p.id;
            return tr("%1\nversion %2, user %3\nstarted %4, beats every %5")
                .arg(p.id, p.version, p.user, formatTimestamp(p.startedAt), formatDuration(p.beatMs));
        case Qt::DisplayRole:
            break;
        default:
            return {};
        }
        // The name column spans the row in the view; the others say the same in parts for other views.
        switch (index.column()) {
        case NameColumn:
            return processSummary(process);
        case StatusColumn:
            return process.self && !p.announced ? QString() : processStateName(p.state(now));
        case TaskColumn:
            return process.self ? busyCount() : int(p.running.size());
        case SinceColumn:
            return p.announced ? formatDuration(std::max<qint64>(0, now - p.lastSeen)) : QString();
        default:
            return {};
        }
    }
    const ProcessRow& process = m_processes.at(int(index.internalId() - 1));
    const WorkerRow& w = process.workers.at(index.row());
    const bool lost = !process.self && process.record.state(now) == ProcessRecord::State::Lost;
    if (role == Qt::ForegroundRole) {
        if (lost)
            return QColor(Qt::gray);
        return index.column() == StatusColumn ? (w.busy ? stateColor(TaskState::Running) : QColor(Qt::gray))
                                              : QVariant();
    }
    if (role == Qt::ToolTipRole && !w.fullName.isEmpty())
        return w.fullName;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn:
        return w.name;
    case StatusColumn:
        return lost ? tr("held") : w.busy ? tr("busy") : tr("idle");
    case QueueColumn:
        return w.queue;
    case TypeColumn:
        return w.type;
    case TaskColumn:
        return w.taskId > 0 ? QVariant(w.taskId) : QVariant();
    case SinceColumn:
        return w.since > 0 ? formatDuration(now - w.since) : QString();
    default:
        return {};
    }
}

QVariant WorkersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Worker");
    case StatusColumn:
        return tr("Status");
    case QueueColumn:
        return tr("Queue");
    case TypeColumn:
        return tr("Type");
    case TaskColumn:
        return tr("Task");
    case SinceColumn:
        return tr("For");
    default:
        return {};
    }
}

} // namespace qd::ui
