#include "storereader.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpeventsoutconfig.h"
#include "core/amqp/amqpurl.h"
#include "core/sourcekeys.h"
#include "core/spool/spoolconfig.h"
#include "core/startuptrace.h"
#include "core/taskstore.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace qd::ui {

StoreReader::StoreReader(StoreOptions options)
    : m_options(std::move(options))
{
    // The reader never creates a database: a missing file is an error the engine reports first.
    m_options.createIfMissing = false;
}

StoreReader::~StoreReader() = default;

void StoreReader::closeStore()
{
    m_store.reset();
}

TaskStore* StoreReader::store()
{
    if (m_store)
        return m_store.get();
    const startuptrace::Scope trace("reader's TaskStore::open");
    auto opened = TaskStore::open(m_options);
    if (!opened) {
        // Report once per failure cause rather than once per page request.
        if (m_openError != opened.errorString()) {
            m_openError = opened.errorString();
            Q_EMIT readFailed(tr("Cannot read %1: %2").arg(m_options.path, m_openError));
        }
        return nullptr;
    }
    m_openError.clear();
    m_store = std::move(opened).value();
    return m_store.get();
}

void StoreReader::fetchCount(quint64 generation, const TaskFilter& filter)
{
    const startuptrace::Scope trace("read fetchCount");
    auto* s = store();
    if (!s)
        return;
    auto count = s->countTasks(filter);
    if (!count) {
        Q_EMIT readFailed(count.errorString());
        return;
    }
    Q_EMIT countFetched(generation, *count);
}

void StoreReader::fetchPage(quint64 generation, quint64 batchToken, const TaskQuery& query, int page, qint64 start,
    int limit, qint64 total, bool reversed)
{
    const startuptrace::Scope trace("read fetchPage");
    if (batchToken < m_latestBatch.load(std::memory_order_relaxed)) {
        Q_EMIT pageDropped(generation, batchToken, page);
        return;
    }
    auto* s = store();
    if (!s) {
        Q_EMIT pageDropped(generation, batchToken, page);
        return;
    }
    TaskQuery q = query;
    q.limit = limit;
    if (reversed) {
        q.descending = !q.descending;
        q.offset = std::max<qint64>(0, total - (start + limit));
    } else {
        q.offset = start;
    }
    auto rows = s->listTasks(q);
    if (!rows) {
        Q_EMIT readFailed(rows.errorString());
        Q_EMIT pageDropped(generation, batchToken, page);
        return;
    }
    QList<Task> list = std::move(rows).value();
    if (reversed)
        std::reverse(list.begin(), list.end());
    Q_EMIT pageFetched(generation, batchToken, page, list);
}

void StoreReader::fetchTask(quint64 requestId, qint64 taskId)
{
    const startuptrace::Scope trace("read fetchTask");
    auto* s = store();
    if (!s)
        return;
    auto task = s->taskWithEvents(taskId);
    if (!task) {
        Q_EMIT readFailed(task.errorString());
        return;
    }
    Q_EMIT taskFetched(requestId, *task);
}

void StoreReader::fetchSamples(
    quint64 requestId, const QStringList& queues, int resolutionSeconds, qint64 from, qint64 to)
{
    const startuptrace::Scope trace("read fetchSamples");
    auto* s = store();
    if (!s)
        return;
    QList<QueueSample> all;
    for (const QString& queue : queues) {
        auto samples = s->samples(queue, resolutionSeconds, from, to);
        if (!samples) {
            Q_EMIT readFailed(samples.errorString());
            return;
        }
        all.append(*samples);
    }
    Q_EMIT samplesFetched(requestId, all);
}

void StoreReader::fetchTypes()
{
    const startuptrace::Scope trace("read fetchTypes");
    auto* s = store();
    if (!s)
        return;
    auto types = s->distinctTypes();
    if (!types) {
        Q_EMIT readFailed(types.errorString());
        return;
    }
    Q_EMIT typesFetched(*types);
}

void StoreReader::fetchServiceStats(quint64 requestId, qint64 from, qint64 to)
{
    const startuptrace::Scope trace("read fetchServiceStats");
    auto* s = store();
    if (!s)
        return;
    auto stats = s->serviceStats(from, to);
    if (!stats) {
        Q_EMIT readFailed(stats.errorString());
        return;
    }
    Q_EMIT serviceStatsFetched(requestId, from, to, *stats);
}

void StoreReader::fetchDashboard(quint64 requestId, qint64 nowMs, qint64 dayStartMs)
{
    const startuptrace::Scope trace("read fetchDashboard");
    auto* s = store();
    if (!s)
        return;
    const Result<DashboardFigures> figures = m_dashboard.read(*s, nowMs, dayStartMs);
    if (!figures) {
        Q_EMIT readFailed(figures.errorString());
        return;
    }
    Q_EMIT dashboardFetched(requestId, *figures);
}

void StoreReader::fetchRowIds(
    quint64 requestId, const TaskQuery& query, const QList<std::pair<qint64, qint64>>& rowRanges, qint64 total)
{
    const startuptrace::Scope trace("read fetchRowIds");
    auto* s = store();
    if (!s)
        return;
    QList<qint64> ids;
    if (rowRanges.size() == 1 && rowRanges.first().first == 0 && rowRanges.first().second >= total - 1) {
        // Everything: the order does not matter, and deep OFFSETs over a million rows would take minutes.
        const Status read = s->forEachTask(query.filter, [&ids](const Task& t) {
            ids.append(t.id);
            return true;
        });
        if (!read)
            Q_EMIT readFailed(read.errorString());
        Q_EMIT rowIdsFetched(requestId, ids, read.ok());
        return;
    }
    constexpr qint64 chunk = 2000; // rows per query: bounded memory for a selection of a million rows
    for (const auto& [first, last] : rowRanges) {
        for (qint64 start = first; start <= last; start += chunk) {
            TaskQuery q = query;
            q.offset = start;
            q.limit = int(std::min(chunk, last - start + 1));
            auto rows = s->listTasks(q);
            if (!rows) {
                Q_EMIT readFailed(rows.errorString());
                Q_EMIT rowIdsFetched(requestId, ids, false);
                return;
            }
            for (const Task& t : std::as_const(*rows))
                ids.append(t.id);
            if (rows->size() < q.limit)
                break; // the table shrank since the selection was made
        }
    }
    Q_EMIT rowIdsFetched(requestId, ids, true);
}

void StoreReader::fetchMatchingIds(quint64 requestId, const TaskFilter& filter, const QList<qint64>& ids)
{
    const startuptrace::Scope trace("read fetchMatchingIds");
    auto* s = store();
    if (!s) {
        Q_EMIT matchingIdsFetched(requestId, {}, false);
        return;
    }
    // A filter that names ids of its own narrows the answer to them.
    const QSet<qint64> allowed(filter.ids.cbegin(), filter.ids.cend());
    QList<qint64> wanted;
    for (qint64 id : ids) {
        if (allowed.isEmpty() || allowed.contains(id))
            wanted.append(id);
    }
    constexpr qsizetype chunk = 1000; // ids per query: the same bound as a bulk job's chunks
    QList<qint64> matching;
    for (qsizetype start = 0; start < wanted.size(); start += chunk) {
        TaskFilter f = filter;
        f.ids = wanted.mid(start, chunk);
        const Status read = s->forEachTask(f, [&matching](const Task& t) {
            matching.append(t.id);
            return true;
        });
        if (!read) {
            Q_EMIT readFailed(read.errorString());
            Q_EMIT matchingIdsFetched(requestId, matching, false);
            return;
        }
    }
    Q_EMIT matchingIdsFetched(requestId, matching, true);
}

void StoreReader::fetchBulkCount(quint64 requestId, const TaskFilter& filter)
{
    const startuptrace::Scope trace("read fetchBulkCount");
    auto* s = store();
    if (!s) {
        Q_EMIT bulkCountFetched(requestId, -1);
        return;
    }
    auto count = s->countTasks(filter);
    if (!count)
        Q_EMIT readFailed(count.errorString());
    Q_EMIT bulkCountFetched(requestId, count ? *count : -1);
}

namespace {

// The row's configuration, read into the status's queue, type and origin; false (and status.error) when it does not
// parse.
bool describeSource(SourceStatus& status)
{
    const SourceRecord& r = status.record;
    if (r.kind == u"spool") {
        const Result<SpoolConfig> config = SpoolConfig::fromJson(r.config);
        if (!config) {
            status.error = config.errorString();
            return false;
        }
        status.queue = config->queue;
        status.type = config->type;
        status.origin = config->dir;
        status.spool = readSpoolBacklog(*config);
        if (!status.spool->error.isEmpty())
            status.error = status.spool->error;
        return true;
    }
    if (r.kind == u"amqp") {
        const Result<AmqpBridgeConfig> config = AmqpBridgeConfig::fromJson(r.config);
        if (!config) {
            status.error = config.errorString();
            return false;
        }
        status.queue = config->queue;
        status.type = config->type;
        status.origin = QStringLiteral("%1 on %2").arg(config->from, amqpDisplayUrl(config->url));
        return true;
    }
    if (r.kind == u"amqp-out") {
        const Result<AmqpEventsOutConfig> config = AmqpEventsOutConfig::fromJson(r.config);
        if (!config) {
            status.error = config.errorString();
            return false;
        }
        status.queue = config->exchange;
        status.origin = QStringLiteral("exchange %1 on %2").arg(config->exchange, amqpDisplayUrl(config->url));
        return true;
    }
    status.error = QStringLiteral("Unknown kind of source: %1").arg(r.kind);
    return false;
}

// An events-out relay's cursor, the ended tasks' events after it and when the cursor's event happened.
Result<RelayProgress> readRelayProgress(TaskStore& store, const QString& name)
{
    RelayProgress progress;
    const Result<std::optional<qint64>> cursor = store.sourceCursor(name);
    if (!cursor)
        return cursor.error();
    progress.cursor = *cursor;
    if (progress.cursor) {
        const Result<qint64> waiting = store.terminalEventCountAfter(*progress.cursor, RelayProgress::waitingCap);
        if (!waiting)
            return waiting.error();
        progress.waiting = *waiting;
    }
    if (progress.cursor && *progress.cursor > 0) {
        const Result<std::optional<qint64>> at = store.eventTime(*progress.cursor);
        if (!at)
            return at.error();
        progress.cursorAt = *at;
    }
    return progress;
}

} // namespace

void StoreReader::fetchProcesses(quint64 requestId)
{
    const startuptrace::Scope trace("read fetchProcesses");
    auto* s = store();
    if (!s) {
        Q_EMIT processesFetched(requestId, {}, m_openError);
        return;
    }
    const Result<QList<ProcessRecord>> rows = s->processes();
    Q_EMIT processesFetched(requestId, rows ? *rows : QList<ProcessRecord>(), rows.errorString());
}

void StoreReader::fetchFailureClusters(quint64 requestId, const qd::FailureClusterQuery& query)
{
    const startuptrace::Scope trace("read fetchFailureClusters");
    auto* s = store();
    if (!s) {
        Q_EMIT failureClustersFetched(requestId, {}, m_openError);
        return;
    }
    const Result<QList<FailureCluster>> clusters = s->failureClusters(query);
    Q_EMIT failureClustersFetched(requestId, clusters ? *clusters : QList<FailureCluster>(), clusters.errorString());
}

void StoreReader::fetchAuditEntries(quint64 requestId, const qd::AuditQuery& query)
{
    auto* s = store();
    if (!s) {
        Q_EMIT auditEntriesFetched(requestId, {}, m_openError);
        return;
    }
    const Result<QList<AuditEntry>> entries = s->auditEntries(query);
    Q_EMIT auditEntriesFetched(requestId, entries ? *entries : QList<AuditEntry>(), entries.errorString());
}

void StoreReader::fetchSources(quint64 requestId, qint64 nowMs)
{
    const startuptrace::Scope trace("read fetchSources");
    auto* s = store();
    if (!s) {
        Q_EMIT sourcesFetched(requestId, {}, false);
        return;
    }
    const Result<QList<SourceRecord>> rows = s->sources();
    if (!rows) {
        Q_EMIT readFailed(rows.errorString());
        Q_EMIT sourcesFetched(requestId, {}, false);
        return;
    }
    // The states of live processes only: a killed process's last word is not the source's state.
    const Result<QList<SourceRunState>> runStates = s->sourceRunStates();
    if (!runStates)
        Q_EMIT readFailed(runStates.errorString());
    QHash<QString, QList<SourceRunState>> liveStates;
    for (const SourceRunState& state : runStates ? *runStates : QList<SourceRunState> {}) {
        if (state.isCurrent(nowMs))
            liveStates[state.source].append(state);
    }
    QList<SourceStatus> statuses;
    for (const SourceRecord& row : *rows) {
        SourceStatus status;
        status.record = row;
        status.runStates = liveStates.value(row.name);
        status.configValid = describeSource(status);
        if (status.configValid && row.kind == u"amqp-out") {
            const Result<RelayProgress> progress = readRelayProgress(*s, row.name);
            if (progress)
                status.relay = *progress;
            else
                status.error = progress.errorString();
        } else if (status.configValid) {
            const Result<QString> prefix = sourceTaskKeyPrefix(row);
            const Result<SourceTaskStats> stats
                = prefix ? s->sourceTaskStats(*prefix, nowMs) : Result<SourceTaskStats>(prefix.error());
            if (stats)
                status.tasks = *stats;
            else
                status.error = stats.errorString();
        }
        statuses.append(std::move(status));
    }
    Q_EMIT sourcesFetched(requestId, statuses, true);
}

void StoreReader::fetchSourceRates(
    quint64 requestId, const SourceRecord& source, qint64 fromMs, qint64 toMs, qint64 bucketMs)
{
    const startuptrace::Scope trace("read fetchSourceRates");
    auto* s = store();
    if (!s || bucketMs <= 0)
        return;
    const Result<QString> prefix = sourceTaskKeyPrefix(source);
    if (!prefix) {
        Q_EMIT sourceRatesFetched(requestId, {}); // a broken configuration: nothing to chart, the table says why
        return;
    }
    const auto buckets = s->sourceTasksCreated(*prefix, fromMs, toMs, bucketMs);
    if (!buckets) {
        Q_EMIT readFailed(buckets.errorString());
        return;
    }
    QList<QPointF> points;
    auto next = buckets->cbegin();
    for (qint64 at = fromMs - fromMs % bucketMs; at < toMs; at += bucketMs) {
        qint64 count = 0;
        if (next != buckets->cend() && next->first == at)
            count = (next++)->second;
        points.append(QPointF(double(at), double(count) * 1000.0 / double(bucketMs)));
    }
    Q_EMIT sourceRatesFetched(requestId, points);
}

} // namespace qd::ui
