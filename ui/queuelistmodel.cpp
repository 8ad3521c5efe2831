#include "queuelistmodel.h"

#include "core/queueengine.h"
#include "taskformat.h"

#include <QFont>

#include <algorithm>

namespace qd::ui {

QueueListModel::QueueListModel(QueueEngine* engine, QObject* parent)
    : QAbstractTableModel(parent)
    , m_engine(engine)
{
    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(250);
    connect(&m_reloadTimer, &QTimer::timeout, this, &QueueListModel::reload);
    connect(engine, &QueueEngine::tasksChanged, this, [this] {
        if (!m_reloadTimer.isActive())
            m_reloadTimer.start();
    });
    connect(engine, &QueueEngine::statsSampled, this, &QueueListModel::applySample);
    reload();
}

int QueueListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size() + m_brokerRows.size());
}

int QueueListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QStringList QueueListModel::queueNames() const
{
    QStringList names;
    for (const Row& row : m_rows)
        names.append(row.config.name);
    return names;
}

void QueueListModel::reload()
{
    QList<QueueConfig> configs = m_engine->queueConfigs();
    const auto counts = m_engine->counts();
    // Queues that only exist in the counts (tasks enqueued by another process) still get a row.
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (std::none_of(configs.cbegin(), configs.cend(), [&](const QueueConfig& c) { return c.name == it.key(); })) {
            QueueConfig c;
            c.name = it.key();
            configs.append(c);
        }
    }
    std::sort(
        configs.begin(), configs.end(), [](const QueueConfig& a, const QueueConfig& b) { return a.name < b.name; });

    // Removed queues are rare (only by a purge from another tool): a reset is fine then.
    const bool anyRemoved = std::any_of(m_rows.cbegin(), m_rows.cend(), [&](const Row& row) {
        return std::none_of(
            configs.cbegin(), configs.cend(), [&](const QueueConfig& c) { return c.name == row.config.name; });
    });
    if (anyRemoved) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
    }
    for (const QueueConfig& config : std::as_const(configs)) {
        auto pos = std::lower_bound(m_rows.begin(), m_rows.end(), config.name,
            [](const Row& row, const QString& name) { return row.config.name < name; });
        const int r = int(pos - m_rows.begin());
        const StateCounts c = counts.value(config.name);
        if (pos == m_rows.end() || pos->config.name != config.name) {
            beginInsertRows({}, r, r);
            m_rows.insert(r, Row {config, c, 0, 0, 0});
            endInsertRows();
            continue;
        }
        const bool changed
            = pos->config.paused != config.paused || pos->config.concurrency != config.concurrency || pos->counts != c;
        pos->config = config;
        pos->counts = c;
        if (changed)
            Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
    }
    Q_EMIT countsChanged();
}

double QueueListModel::throughput() const
{
    double sum = 0;
    for (const Row& row : m_rows)
        sum += row.throughput;
    return sum;
}

double QueueListModel::failuresPerSecond() const
{
    double sum = 0;
    for (const Row& row : m_rows)
        sum += row.failuresPerSecond;
    return sum;
}

StateCounts QueueListModel::totals() const
{
    StateCounts total {};
    for (const Row& row : m_rows) {
        for (size_t i = 0; i < total.size(); ++i)
            total[i] += row.counts[i];
    }
    return total;
}

void QueueListModel::applySample(const StatsSample& sample)
{
    for (const QueueSample& qs : sample.queues) {
        auto it
            = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row& row) { return row.config.name == qs.queue; });
        if (it == m_rows.end())
            continue;
        const double seconds = std::max(1, qs.resolutionSeconds);
        it->throughput = double(qs.completed) / seconds;
        it->failuresPerSecond = double(qs.failed) / seconds;
        it->waitP95Ms = qs.waitP95Ms;
        it->counts = qs.counts;
        const int r = int(it - m_rows.begin());
        Q_EMIT dataChanged(index(r, FirstStateColumn), index(r, ColumnCount - 1));
    }
    Q_EMIT countsChanged();
    // A sample may name a queue this model has not seen yet.
    if (!m_reloadTimer.isActive())
        m_reloadTimer.start();
}

void QueueListModel::setBrokerQueues(const QList<BrokerQueueRow>& rows)
{
    const int first = int(m_rows.size());
    bool sameNames = rows.size() == m_brokerRows.size();
    for (qsizetype i = 0; sameNames && i < rows.size(); ++i)
        sameNames = rows[i].stats.source == m_brokerRows[i].stats.source
            && rows[i].stats.queue == m_brokerRows[i].stats.queue;
    if (sameNames) {
        m_brokerRows = rows;
        if (!rows.isEmpty())
            Q_EMIT dataChanged(index(first, 0), index(first + int(rows.size()) - 1, ColumnCount - 1));
        return;
    }
    if (!m_brokerRows.isEmpty()) {
        beginRemoveRows({}, first, first + int(m_brokerRows.size()) - 1);
        m_brokerRows.clear();
        endRemoveRows();
    }
    if (!rows.isEmpty()) {
        beginInsertRows({}, first, first + int(rows.size()) - 1);
        m_brokerRows = rows;
        endInsertRows();
    }
}

QVariant QueueListModel::brokerData(const BrokerQueueRow& row, int column, int role) const
{
    const AmqpQueueStats& s = row.stats;
    const bool missing = s.reachable && s.depth < 0;
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return row.displayName();
        if (column == StatusColumn) {
            if (!s.reachable)
                return tr("unreachable");
            if (missing)
                return tr("no queue");
            if (s.paused)
                return tr("paused");
            return s.consumers > 0 ? tr("consuming") : tr("no consumer");
        }
        if (column == ConcurrencyColumn)
            return s.consumers >= 0 ? QString::number(s.consumers) : QString();
        if (column == FirstStateColumn + int(TaskState::Queued))
            return s.depth >= 0 ? formatCount(s.depth) : QStringLiteral("\u2014");
        if (column == ThroughputColumn)
            return QStringLiteral("%1/s").arg(row.takenPerSecond, 0, 'f', row.takenPerSecond < 10 ? 1 : 0);
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn && (!s.reachable || missing))
            return QColor(0xd6, 0x27, 0x28);
        if (column == StatusColumn && !s.paused && s.consumers == 0)
            return QColor(0xb3, 0x6b, 0x00);
        if (column == NameColumn)
            return QColor(0xff, 0x66, 0x00); // RabbitMQ's orange: not a QueueDesk queue
        return {};
    case Qt::TextAlignmentRole:
        return column == NameColumn || column == StatusColumn ? QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter)
                                                              : QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == NameColumn)
            return tr("RabbitMQ queue %1 on %2, bridged by %3").arg(s.queue, s.broker, s.source);
        if (column == StatusColumn) {
            if (!s.error.isEmpty())
                return s.error;
            if (!s.paused && s.consumers == 0)
                return tr("The broker shows no consumer: the bridge is reconnecting, or no \"queuedesk-cli work\" "
                          "process runs it.");
            return {};
        }
        if (column == ConcurrencyColumn)
            return tr("Consumers attached to the queue (the bridge is one)");
        if (column == FirstStateColumn + int(TaskState::Queued))
            return tr("Messages ready in the broker");
        if (column == ThroughputColumn)
            return row.hasRates ? tr("The bridge took %1 per second (last minute); about %2 per second were "
                                     "published; the depth changed by %3 per second")
                                      .arg(row.takenPerSecond, 0, 'f', 1)
                                      .arg(row.publishedPerSecond, 0, 'f', 1)
                                      .arg(s.depthPerSecond, 0, 'f', 1)
                                : tr("The bridge took %1 per second (last minute)").arg(row.takenPerSecond, 0, 'f', 1);
        return {};
    case BrokerQueueRole:
        return row.displayName();
    case QueueNameRole:
        return QString();
    case PausedRole:
        return s.paused;
    default:
        return {};
    }
}

QVariant QueueListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (index.row() >= m_rows.size())
        return brokerData(m_brokerRows.at(index.row() - m_rows.size()), index.column(), role);
    const Row& row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return row.config.name;
        if (column == StatusColumn)
            return row.config.paused ? tr("paused") : tr("running");
        if (column == ConcurrencyColumn)
            return row.config.concurrency > 0 ? QString::number(row.config.concurrency) : QStringLiteral("\u221e");
        if (column >= FirstStateColumn && column < FirstStateColumn + taskStateCount)
            return formatCount(row.counts[size_t(column - FirstStateColumn)]);
        if (column == ThroughputColumn)
            return QStringLiteral("%1/s").arg(row.throughput, 0, 'f', row.throughput < 10 ? 1 : 0);
        if (column == WaitP95Column)
            return formatDuration(qint64(row.waitP95Ms));
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn && row.config.paused)
            return QColor(0xd6, 0x27, 0x28);
        if (column >= FirstStateColumn && column < FirstStateColumn + taskStateCount
            && row.counts[size_t(column - FirstStateColumn)] > 0)
            return stateColor(allTaskStates[size_t(column - FirstStateColumn)]);
        return {};
    case Qt::FontRole:
        if (column == StatusColumn && row.config.paused) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        return column == NameColumn || column == StatusColumn ? QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter)
                                                              : QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == ThroughputColumn)
            return tr("%1 completed and %2 failed per second in the last sample")
                .arg(row.throughput, 0, 'f', 1)
                .arg(row.failuresPerSecond, 0, 'f', 1);
        return {};
    case QueueNameRole:
        return row.config.name;
    case PausedRole:
        return row.config.paused;
    case ConcurrencyRole:
        return row.config.concurrency;
    case BrokerQueueRole:
        return QString();
    default:
        return {};
    }
}

QVariant QueueListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == NameColumn)
        return tr("Queue");
    if (section == StatusColumn)
        return tr("Status");
    if (section == ConcurrencyColumn)
        return tr("Conc.");
    if (section >= FirstStateColumn && section < FirstStateColumn + taskStateCount)
        return taskStateName(allTaskStates[size_t(section - FirstStateColumn)]);
    if (section == ThroughputColumn)
        return tr("Done/s");
    if (section == WaitP95Column)
        return tr("Wait p95");
    return {};
}

} // namespace qd::ui
