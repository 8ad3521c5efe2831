#include "sourcesmodel.h"

#include "readerthread.h"
#include "taskformat.h"

#include <QDateTime>

#include <algorithm>

namespace qd::ui {

namespace {

const QString notKnown = QStringLiteral("\u2014");

QString rate(qint64 tasks, int seconds)
{
    const double perSecond = double(tasks) / seconds;
    // Rates of a slow source are fractions: "0.02/s" says more than "0/s".
    const int decimals = tasks == 0 || perSecond >= 10 ? 0 : perSecond >= 1 ? 1 : 2;
    return QStringLiteral("%1/s").arg(perSecond, 0, 'f', decimals);
}

bool isSpool(const SourceStatus& s)
{
    return s.record.kind == u"spool";
}

// A time of today as hh:mm:ss, an older one with its date.
QString shortTime(qint64 ms)
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms);
    return at.date() == QDate::currentDate() ? at.toString(QStringLiteral("HH:mm:ss"))
                                             : at.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

bool isRelay(const SourceStatus& s)
{
    return s.record.kind == u"amqp-out";
}

// Which of several processes' states a row shows: the one that needs the admin most.
int severity(const SourceRunState& s)
{
    if (s.state == QLatin1String(SourceRunState::error))
        return 4;
    if (s.state == QLatin1String(SourceRunState::reconnecting))
        return 3;
    if (s.state == QLatin1String(SourceRunState::connecting))
        return 2;
    if (s.state == QLatin1String(SourceRunState::stopped))
        return 1;
    return 0;
}

const SourceRunState* shownRunState(const SourceStatus& s)
{
    const auto worst = std::max_element(s.runStates.cbegin(), s.runStates.cend(),
        [](const SourceRunState& a, const SourceRunState& b) { return severity(a) < severity(b); });
    return worst == s.runStates.cend() ? nullptr : &*worst;
}

} // namespace

SourcesModel::SourcesModel(ReaderThread* reader, QObject* parent)
    : QAbstractTableModel(parent)
    , m_reader(reader)
{
    connect(reader->reader(), &StoreReader::sourcesFetched, this, &SourcesModel::apply);
    m_refreshTimer.setInterval(refreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] {
        if (!m_inFlight) // a slow read (a huge spool folder) is not queued again behind itself
            reload();
    });
    m_refreshTimer.start();
    reload();
}

void SourcesModel::reload()
{
    const quint64 id = ++m_latestRequest;
    m_inFlight = true;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_reader->post([id, now](StoreReader* r) { r->fetchSources(id, now); });
}

void SourcesModel::apply(quint64 requestId, const QList<SourceStatus>& sources, bool complete)
{
    if (requestId != m_latestRequest)
        return;
    m_inFlight = false;
    if (!complete)
        return; // keep what is shown; readFailed has told the window why
    bool sameRows = sources.size() == m_sources.size();
    for (qsizetype i = 0; sameRows && i < sources.size(); ++i)
        sameRows = sources[i].record.id == m_sources[i].record.id;
    if (sameRows) {
        // The figures move every refresh; rows come and go rarely. Updating in place keeps the selection.
        m_sources = sources;
        if (!m_sources.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    } else {
        beginResetModel();
        m_sources = sources;
        endResetModel();
    }
    Q_EMIT sourcesUpdated();
}

int SourcesModel::rowOf(const QString& name) const
{
    for (qsizetype i = 0; i < m_sources.size(); ++i) {
        if (m_sources[i].record.name == name)
            return int(i);
    }
    return -1;
}

void SourcesModel::setBrokerStats(const QList<AmqpQueueStats>& stats)
{
    m_broker.clear();
    for (const AmqpQueueStats& s : stats)
        m_broker.insert(s.source, s);
    if (!m_sources.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const AmqpQueueStats* SourcesModel::brokerOf(const SourceStatus& s) const
{
    const auto it = m_broker.constFind(s.record.name);
    return it == m_broker.cend() ? nullptr : &it.value();
}

QString SourcesModel::runStateText(const SourceStatus& s) const
{
    const SourceRunState* shown = shownRunState(s);
    if (!shown)
        return {};
    QString text = shown->state == QLatin1String(SourceRunState::consuming) ? tr("consuming")
        : shown->state == QLatin1String(SourceRunState::publishing)         ? tr("publishing")
        : shown->state == QLatin1String(SourceRunState::connecting)         ? tr("connecting")
        : shown->state == QLatin1String(SourceRunState::reconnecting)       ? tr("reconnecting")
        : shown->state == QLatin1String(SourceRunState::error)              ? tr("error")
        : shown->state == QLatin1String(SourceRunState::stopped)            ? tr("stopped")
                                                                            : shown->state;
    if (!shown->detail.isEmpty())
        text += QStringLiteral(": ") + shown->detail.simplified();
    const qsizetype same = std::count_if(
        s.runStates.cbegin(), s.runStates.cend(), [&](const SourceRunState& r) { return r.state == shown->state; });
    if (s.runStates.size() > 1 && same == s.runStates.size())
        text += tr(" (%1 processes)").arg(same);
    else if (s.runStates.size() > 1)
        text += tr(" (%1 of %2 processes)").arg(same).arg(s.runStates.size());
    return text;
}

QString SourcesModel::runStatesToolTip(const SourceStatus& s) const
{
    QStringList lines;
    for (const SourceRunState& r : s.runStates) {
        QString line = tr("%1: %2 since %3").arg(r.processId, r.state, shortTime(r.since));
        if (!r.detail.isEmpty())
            line += QStringLiteral(": ") + r.detail.simplified();
        if (r.nextTryAt > 0)
            line += tr("; next try %1").arg(shortTime(r.nextTryAt));
        lines.append(line);
    }
    return lines.join(QLatin1Char('\n'));
}

int SourcesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_sources.size());
}

int SourcesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SourcesModel::text(const SourceStatus& s, int column) const
{
    switch (column) {
    case KindColumn:
        return isSpool(s)              ? tr("spool")
            : isRelay(s)               ? tr("AMQP out")
            : s.record.kind == u"amqp" ? tr("AMQP")
                                       : s.record.kind;
    case NameColumn:
        return s.record.name;
    case TargetColumn:
        return s.type.isEmpty() ? s.queue : QStringLiteral("%1 / %2").arg(s.queue, s.type);
    case StateColumn:
        if (!s.configValid)
            return tr("cannot run");
        if (s.record.paused)
            return tr("paused");
        if (isSpool(s) && s.spool && !s.spool->folderFound)
            return tr("active, not on this host");
        if (!s.runStates.isEmpty())
            return runStateText(s);
        if (const AmqpQueueStats* b = brokerOf(s)) {
            if (!b->reachable)
                return tr("active, broker unreachable");
            if (s.record.kind == u"amqp" && b->depth < 0)
                return tr("active, no such queue");
            if (s.record.kind == u"amqp" && b->consumers == 0)
                return tr("active, not consuming");
        }
        return tr("active");
    case SinceColumn:
        if (const SourceRunState* shown = shownRunState(s); shown && !s.record.paused && shown->since > 0)
            return shortTime(shown->since);
        return {};
    case BacklogColumn:
        if (s.relay && !s.relay->waiting)
            return notKnown;
        if (s.relay && *s.relay->waiting >= RelayProgress::waitingCap)
            return formatCount(RelayProgress::waitingCap) + QLatin1Char('+');
        if (s.relay)
            return formatCount(*s.relay->waiting);
        if (const AmqpQueueStats* b = brokerOf(s); b && b->depth >= 0)
            return formatCount(b->depth);
        if (!s.spool || !s.spool->folderFound)
            return notKnown;
        if (s.spool->settling > 0)
            return tr("%1 + %2 settling").arg(formatCount(s.spool->waiting), formatCount(s.spool->settling));
        return formatCount(s.spool->waiting);
    case RateMinuteColumn:
        return s.tasks ? rate(s.tasks->createdLastMinute, 60) : notKnown;
    case RateFiveMinutesColumn:
        return s.tasks ? rate(s.tasks->createdLastFiveMinutes, 300) : notKnown;
    case FailedColumn:
        return s.tasks ? formatCount(s.tasks->failed) : notKnown;
    case DeadColumn:
        return s.spool && s.spool->folderFound ? formatCount(s.spool->failedFiles) : notKnown;
    case CursorColumn:
        if (!s.relay)
            return {};
        if (!s.relay->cursor)
            return tr("not started");
        if (!s.relay->cursorAt)
            return formatCount(*s.relay->cursor);
        return QStringLiteral("%1 \u00b7 %2").arg(formatCount(*s.relay->cursor), shortTime(*s.relay->cursorAt));
    case LastErrorColumn:
        if (!s.error.isEmpty())
            return s.error;
        if (const SourceRunState* shown = shownRunState(s); shown && !s.record.paused && !shown->detail.isEmpty()) {
            if (shown->nextTryAt <= 0)
                return shown->detail.simplified();
            return tr("%1 \u00b7 next try %2").arg(shown->detail.simplified(), shortTime(shown->nextTryAt));
        }
        if (const AmqpQueueStats* b = brokerOf(s); b && !b->error.isEmpty())
            return b->error;
        return s.tasks ? s.tasks->lastError.simplified() : QString();
    default:
        return {};
    }
}

QString SourcesModel::toolTip(const SourceStatus& s, int column) const
{
    switch (column) {
    case NameColumn:
        return s.origin;
    case StateColumn:
        if (isSpool(s))
            return s.spool && s.spool->folderFound
                ? tr("The spool folder is on this host; a \"queuedesk-cli work\" process runs the spools that are "
                     "not paused.")
                : tr("The spool folder %1 does not exist on this host: the spool runs where it does.").arg(s.origin);
        if (!s.runStates.isEmpty() && !s.record.paused)
            return runStatesToolTip(s);
        if (const AmqpQueueStats* b = brokerOf(s); b && b->reachable && s.record.kind == u"amqp" && b->consumers == 0)
            return tr("The broker shows no consumer on %1: the bridge is reconnecting, or no \"queuedesk-cli work\" "
                      "process runs it.")
                .arg(b->queue);
        if (isRelay(s))
            return tr("A \"queuedesk-cli work\" process runs the relays that are not paused.");
        return tr("A \"queuedesk-cli work\" process runs the bridges that are not paused.");
    case BacklogColumn:
        if (isSpool(s))
            return tr("Files waiting in new/ (and, in the stable-file mode, files not yet settled).");
        if (isRelay(s))
            return tr("Events of ended tasks after the relay's cursor: what it has still to publish.");
        return tr("Messages ready in the broker's queue (read with a passive queue.declare).");
    case SinceColumn:
        return tr("When the source entered its state, as the process running it says.");
    case CursorColumn:
        return s.relay ? tr("The last event the broker confirmed (the relay's cursor), and when it was recorded.")
                       : QString();
    case RateMinuteColumn:
    case RateFiveMinutesColumn:
        return tr("Tasks this source created per second, over the last %1 minute(s). Tasks whose producer set its "
                  "own idempotency key are not counted.")
            .arg(column == RateMinuteColumn ? 1 : 5);
    case FailedColumn:
        return tr("Tasks of this source that failed for good.");
    case DeadColumn:
        if (isSpool(s))
            return tr("Files in failed/: failed tasks and rejected files.");
        return tr("Rejected messages go to the broker's dead-letter queue, not counted here.");
    case LastErrorColumn:
        return text(s, column);
    default:
        return {};
    }
}

QVariant SourcesModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_sources.size())
        return {};
    const SourceStatus& s = m_sources[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return text(s, index.column());
    case Qt::ToolTipRole:
        return toolTip(s, index.column());
    case Qt::TextAlignmentRole:
        if (index.column() >= BacklogColumn && index.column() <= DeadColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case SourceNameRole:
        return s.record.name;
    case PausedRole:
        return s.record.paused;
    default:
        return {};
    }
}

QVariant SourcesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KindColumn:
        return tr("Kind");
    case NameColumn:
        return tr("Name");
    case TargetColumn:
        return tr("Queue / type");
    case StateColumn:
        return tr("State");
    case SinceColumn:
        return tr("Since");
    case BacklogColumn:
        return tr("Backlog");
    case RateMinuteColumn:
        return tr("1 min");
    case RateFiveMinutesColumn:
        return tr("5 min");
    case FailedColumn:
        return tr("Failed");
    case DeadColumn:
        return tr("Dead");
    case CursorColumn:
        return tr("Cursor");
    case LastErrorColumn:
        return tr("Last error");
    default:
        return {};
    }
}

} // namespace qd::ui
