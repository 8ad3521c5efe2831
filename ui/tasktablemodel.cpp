#include "tasktablemodel.h"

#include "core/queueengine.h"
#include "core/startuptrace.h"
#include "readerthread.h"
#include "taskformat.h"

#include <QDateTime>

#include <algorithm>

namespace qd::ui {

namespace {

// What the table shows of a task; rows whose visible fields are equal need no repaint.
bool sameDisplay(const Task& a, const Task& b)
{
    return a.id == b.id && a.state == b.state && a.attempts == b.attempts && a.priority == b.priority
        && a.startedAt == b.startedAt && a.finishedAt == b.finishedAt && a.runAt == b.runAt
        && a.lastError == b.lastError && a.queue == b.queue && a.type == b.type;
}

std::optional<TaskSortKey> sortKeyFor(int column)
{
    switch (column) {
    case TaskTableModel::IdColumn:
    case TaskTableModel::CreatedColumn: // ids grow with creation time
        return TaskSortKey::Id;
    case TaskTableModel::QueueColumn:
        return TaskSortKey::Queue;
    case TaskTableModel::TypeColumn:
        return TaskSortKey::Type;
    case TaskTableModel::StateColumn:
        return TaskSortKey::State;
    case TaskTableModel::PriorityColumn:
        return TaskSortKey::Priority;
    case TaskTableModel::AttemptsColumn:
        return TaskSortKey::Attempts;
    default:
        return std::nullopt;
    }
}

} // namespace

TaskTableModel::TaskTableModel(QueueEngine* engine, QObject* parent)
    : TaskTableModel(engine, TaskSortKey::Id, Qt::AscendingOrder, parent)
{ }

TaskTableModel::TaskTableModel(QueueEngine* engine, TaskSortKey sortKey, Qt::SortOrder order, QObject* parent)
    : QAbstractTableModel(parent)
    , m_engine(engine)
    , m_readerThread(new ReaderThread(engine->options().store, this))
{
    m_query.sortKey = sortKey;
    m_query.descending = order == Qt::DescendingOrder;
    m_query.limit = pageSize;
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(0); // after the paint that asked for the rows: one batch per frame
    connect(&m_requestTimer, &QTimer::timeout, this, &TaskTableModel::flushPageRequests);
    m_changeTimer.setSingleShot(true);
    m_changeTimer.setInterval(100);
    connect(&m_changeTimer, &QTimer::timeout, this, &TaskTableModel::refresh);

    auto* reader = m_readerThread->reader();
    connect(reader, &StoreReader::countFetched, this, &TaskTableModel::onCountFetched);
    connect(reader, &StoreReader::pageFetched, this, &TaskTableModel::onPageFetched);
    connect(reader, &StoreReader::pageDropped, this, &TaskTableModel::onPageDropped);
    connect(reader, &StoreReader::readFailed, this, &TaskTableModel::readFailed);
    connect(engine, &QueueEngine::tasksChanged, this, [this] {
        if (!m_changeTimer.isActive())
            m_changeTimer.start();
    });
    // The page first: the reader runs requests in order, and the first rows are what the user waits for.
    requestFirstPage();
    requestCount();
}

TaskTableModel::~TaskTableModel() = default;

int TaskTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(std::min<qint64>(m_count, std::numeric_limits<int>::max()));
}

int TaskTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool TaskTableModel::isSortable(int column)
{
    return sortKeyFor(column).has_value();
}

std::optional<Task> TaskTableModel::taskAt(int row) const
{
    auto it = m_pages.constFind(row / pageSize);
    if (it == m_pages.constEnd() || row % pageSize >= it->rows.size())
        return std::nullopt;
    return it->rows.at(row % pageSize);
}

QList<std::pair<int, int>> TaskTableModel::visitLoadedRows(
    int first, int last, const std::function<void(int row, qint64 taskId)>& fn) const
{
    QList<std::pair<int, int>> unloaded;
    auto addUnloaded = [&unloaded](int from, int to) {
        if (!unloaded.isEmpty() && unloaded.last().second == from - 1)
            unloaded.last().second = to;
        else
            unloaded.append({from, to});
    };
    first = std::max(first, 0);
    last = std::min(last, rowCount() - 1);
    for (int row = first; row <= last;) {
        const int page = row / pageSize;
        const int pageEnd = std::min(last, (page + 1) * pageSize - 1);
        auto it = m_pages.constFind(page);
        if (it == m_pages.constEnd()) {
            addUnloaded(row, pageEnd);
        } else {
            const int loadedEnd = std::min(pageEnd, page * pageSize + int(it->rows.size()) - 1);
            for (int r = row; r <= loadedEnd; ++r)
                fn(r, it->rows.at(r - page * pageSize).id);
            if (loadedEnd < pageEnd)
                addUnloaded(std::max(row, loadedEnd + 1), pageEnd);
        }
        row = pageEnd + 1;
    }
    return unloaded;
}

QVariant TaskTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int page = index.row() / pageSize;
    const int offset = index.row() % pageSize;
    auto it = m_pages.find(page);
    const bool loaded = it != m_pages.end() && offset < it->rows.size();
    if (it == m_pages.end() || it->stale || !loaded) {
        if (!m_inFlight.contains(page))
            requestPage(page);
    }
    if (!loaded) {
        if (role == LoadedRole)
            return false;
        if (role == Qt::DisplayRole && index.column() == IdColumn)
            return placeholder();
        if (role == Qt::ForegroundRole)
            return QColor(Qt::gray);
        return {};
    }
    it->lastUse = ++m_useClock;
    const Task& task = it->rows.at(offset);
    switch (role) {
    case Qt::DisplayRole:
        return displayData(task, index.column());
    case Qt::ToolTipRole:
        if (index.column() == ErrorColumn && !task.lastError.isEmpty())
            return task.lastError;
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn)
            return stateColor(task.state);
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case IdColumn:
        case PriorityColumn:
        case AttemptsColumn:
        case WaitColumn:
        case RunColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case TaskIdRole:
        return task.id;
    case StateRole:
        return int(task.state);
    case LoadedRole:
        return true;
    default:
        return {};
    }
}

QVariant TaskTableModel::displayData(const Task& task, int column) const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 readyAt = std::max(task.runAt, task.createdAt);
    switch (column) {
    case IdColumn:
        return task.id;
    case QueueColumn:
        return task.queue;
    case TypeColumn:
        return task.type;
    case StateColumn:
        return taskStateName(task.state);
    case PriorityColumn:
        return task.priority;
    case AttemptsColumn:
        return task.maxAttempts > 0 ? QStringLiteral("%1/%2").arg(task.attempts).arg(task.maxAttempts)
                                    : QString::number(task.attempts);
    case CreatedColumn:
        return formatTimestamp(task.createdAt);
    case WaitColumn:
        // Time between becoming ready and being picked up; still growing while it waits.
        if (task.state == TaskState::Queued)
            return now >= readyAt ? formatDuration(now - readyAt) : QString();
        if (task.state == TaskState::Scheduled) // waiting for its time (a delay or a retry backoff)
            return task.runAt > now ? tr("in %1").arg(formatDuration(task.runAt - now)) : QString();
        if (task.startedAt > 0)
            return formatDuration(std::max<qint64>(0, task.startedAt - readyAt));
        return {};
    case RunColumn:
        if (task.startedAt <= 0)
            return {};
        if (task.state == TaskState::Running)
            return formatDuration(std::max<qint64>(0, now - task.startedAt));
        if (task.finishedAt >= task.startedAt)
            return formatDuration(task.finishedAt - task.startedAt);
        return {};
    case ErrorColumn: {
        // One line in the table; the inspector shows the whole text.
        const qsizetype newline = task.lastError.indexOf(QLatin1Char('\n'));
        return newline < 0 ? task.lastError : task.lastError.left(newline) + QStringLiteral(" \u2026");
    }
    default:
        return {};
    }
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("ID");
    case QueueColumn:
        return tr("Queue");
    case TypeColumn:
        return tr("Type");
    case StateColumn:
        return tr("State");
    case PriorityColumn:
        return tr("Priority");
    case AttemptsColumn:
        return tr("Attempts");
    case CreatedColumn:
        return tr("Created");
    case WaitColumn:
        return tr("Wait");
    case RunColumn:
        return tr("Run time");
    case ErrorColumn:
        return tr("Last error");
    default:
        return {};
    }
}

void TaskTableModel::sort(int column, Qt::SortOrder order)
{
    const auto key = sortKeyFor(column);
    if (!key)
        return;
    const bool descending = order == Qt::DescendingOrder;
    if (key == m_query.sortKey && descending == m_query.descending)
        return;
    m_query.sortKey = *key;
    m_query.descending = descending;
    startNewQuery();
}

void TaskTableModel::startNewQuery()
{
    ++m_generation;
    m_resetPending = true;
    // Cached rows belong to the old order or filter: showing them under the new one would be wrong, so the
    // view shows placeholders until the new pages arrive (tens of milliseconds).
    m_pages.clear();
    m_inFlight.clear();
    m_wantedPages.clear();
    m_provisional = false;
    m_countFromPage = false;
    m_holdingCount = false; // the user moved on: nothing to hold back for
    m_heldCount = -1;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    requestFirstPage();
    requestCount();
}

void TaskTableModel::setFilter(const TaskFilter& filter)
{
    m_query.filter = filter;
    startNewQuery();
}

void TaskTableModel::refresh()
{
    if (m_countInFlight) {
        m_recountQueued = true; // one more count after the one running, not one per change
        return;
    }
    requestCount();
}

void TaskTableModel::requestCount()
{
    m_countInFlight = true;
    m_recountQueued = false;
    m_countClock.start();
    m_readerThread->post([gen = m_generation, filter = m_query.filter](StoreReader* r) { r->fetchCount(gen, filter); });
}

void TaskTableModel::requestFirstPage()
{
    m_wantedPages.insert(0);
    flushPageRequests();
}

void TaskTableModel::requestPage(int page) const
{
    m_wantedPages.insert(page);
    if (!m_requestTimer.isActive())
        m_requestTimer.start();
}

void TaskTableModel::flushPageRequests()
{
    struct Request {
        int page;
        qint64 start;
        int limit;
        bool reversed;
    };
    QList<Request> requests;
    for (int page : std::as_const(m_wantedPages)) {
        const qint64 start = qint64(page) * pageSize;
        if (m_resetPending) {
            // The count is on its way and m_count belongs to the previous query: only the first page, read
            // forward from offset 0, is right whatever the count. The reset repaints and asks for the others.
            if (page == 0)
                requests.append({0, 0, pageSize, false});
            continue;
        }
        if (start >= m_count)
            continue;
        const int limit = int(std::min<qint64>(pageSize, m_count - start));
        requests.append({page, start, limit, start > m_count / 2});
    }
    m_wantedPages.clear();
    // No new batch when nothing is asked: a new batch supersedes the one in flight, and a repaint of
    // placeholders must not cancel the first page it is waiting for.
    if (requests.isEmpty())
        return;
    ++m_batchToken;
    m_readerThread->reader()->supersede(m_batchToken);
    for (const Request& r : std::as_const(requests)) {
        m_inFlight.insert(r.page, m_batchToken);
        m_readerThread->post(
            [gen = m_generation, token = m_batchToken, query = m_query, r, total = m_count](StoreReader* reader) {
                reader->fetchPage(gen, token, query, r.page, r.start, r.limit, total, r.reversed);
            });
    }
}

void TaskTableModel::onCountFetched(quint64 generation, qint64 count)
{
    if (generation != m_generation)
        return; // a filter or sort changed since: a newer count is on its way
    if (m_provisional && m_holdingCount) {
        m_heldCount = count; // see holdFirstCount()
        return;
    }
    m_countInFlight = false;
    // A count over a million rows with a search can take a while: refresh at most every other count's time, so
    // live refreshes never keep the reader thread busy and pages still load promptly.
    m_changeTimer.setInterval(int(std::clamp<qint64>(2 * m_countClock.elapsed(), 100, 2000)));
    if (m_resetPending || !m_loadedOnce) {
        startuptrace::mark("table's count arrived");
        applyFirstCount(count);
        if (m_recountQueued)
            requestCount();
        return;
    }
    if (std::exchange(m_countFromPage, false) && count == m_count) {
        // The short first page already gave this count, and its rows are fresh.
        if (m_recountQueued)
            requestCount();
        return;
    }
    // A live refresh: grow or shrink at the end, keep the rest, and refresh pages in place.
    const qint64 old = m_count;
    resizeTo(count);
    for (auto& page : m_pages)
        page.stale = true;
    // The most recently used pages are the ones on screen: refresh those now, the others when next shown.
    QList<std::pair<quint64, int>> byUse;
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it)
        byUse.append({it->lastUse, it.key()});
    std::sort(byUse.begin(), byUse.end(), std::greater<> {});
    for (qsizetype i = 0; i < std::min<qsizetype>(3, byUse.size()); ++i)
        m_wantedPages.insert(byUse.at(i).second);
    m_inFlight.clear(); // answers to requests sent with the old count may be misaligned: ask again
    flushPageRequests();
    if (count != old)
        Q_EMIT totalCountChanged(count);
    if (m_recountQueued)
        requestCount();
}

void TaskTableModel::holdFirstCount()
{
    m_holdingCount = true;
}

void TaskTableModel::releaseFirstCount()
{
    m_holdingCount = false;
    if (const qint64 held = std::exchange(m_heldCount, -1); held >= 0)
        onCountFetched(m_generation, held);
}

void TaskTableModel::resizeTo(qint64 count)
{
    const qint64 old = m_count;
    if (count > old) {
        beginInsertRows({}, int(old), int(count - 1));
        m_count = count;
        endInsertRows();
    } else if (count < old) {
        beginRemoveRows({}, int(count), int(old - 1));
        m_count = count;
        const int lastPage = count == 0 ? -1 : int((count - 1) / pageSize);
        m_pages.removeIf([lastPage](const auto& it) { return it.key() > lastPage; });
        if (auto tail = m_pages.find(lastPage); tail != m_pages.end())
            tail->rows.resize(std::min<qsizetype>(tail->rows.size(), count - qint64(lastPage) * pageSize));
        endRemoveRows();
    }
}

void TaskTableModel::applyFirstCount(qint64 count)
{
    m_resetPending = false;
    m_loadedOnce = true;
    if (m_provisional || m_count == 0) {
        // Every row shown is already this query's (or there is none): no reset, so the view keeps its place and
        // whatever the user did in the meantime.
        m_provisional = false;
        resizeTo(count);
        Q_EMIT totalCountChanged(count);
        return;
    }
    beginResetModel();
    // Only the first page can be cached (see flushPageRequests), and it is right for the new rows: keep it, so the
    // rows show the moment the view repaints. Requests in flight are for it too: do not ask twice.
    m_pages.removeIf([count](const auto& it) { return qint64(it.key()) * pageSize >= count; });
    if (auto first = m_pages.find(0); first != m_pages.end())
        first->rows.resize(std::min<qsizetype>(first->rows.size(), count));
    m_inFlight.removeIf([count](const auto& it) { return qint64(it.key()) * pageSize >= count; });
    m_wantedPages.clear();
    m_count = count;
    endResetModel();
    Q_EMIT totalCountChanged(count);
}

void TaskTableModel::onFirstPageFetched(const QList<Task>& rows)
{
    startuptrace::mark("table's first page arrived");
    const int old = int(m_count);
    const bool ours = m_count == 0 || m_provisional; // every row shown is of this query
    m_pages.insert(0, Page {rows, ++m_useClock, false});
    if (rows.size() < pageSize) {
        // The whole result fits in it: its size is the exact count, no need to wait for the count query (still
        // running on the reader: its reply confirms or corrects this one).
        m_countFromPage = true;
        applyFirstCount(rows.size());
        const int kept = std::min(old, int(rows.size()));
        if (ours && kept > 0) // not reset: the rows that stayed show new data
            Q_EMIT dataChanged(index(0, 0), index(kept - 1, ColumnCount - 1));
        return;
    }
    if (ours) {
        // Nothing of an older query is shown: the first rows appear now; the count inserts the others.
        m_provisional = true;
        resizeTo(rows.size());
        if (old > 0)
            Q_EMIT dataChanged(index(0, 0), index(old - 1, ColumnCount - 1));
        return;
    }
    // Rows of the previous query are shown (as placeholders): the new first rows replace the top ones now, the
    // count resets the rest.
    Q_EMIT dataChanged(index(0, 0), index(std::min(old, int(rows.size())) - 1, ColumnCount - 1));
}

void TaskTableModel::onPageFetched(quint64 generation, quint64 batchToken, int page, const QList<Task>& rows)
{
    if (generation != m_generation)
        return;
    if (m_inFlight.value(page) == batchToken)
        m_inFlight.remove(page);
    if (m_resetPending) {
        if (page == 0) // the only page asked for while the count is unknown
            onFirstPageFetched(rows);
        return;
    }
    const int first = page * pageSize;
    if (first >= m_count)
        return;
    auto it = m_pages.find(page);
    if (it == m_pages.end()) {
        m_pages.insert(page, Page {rows, ++m_useClock, false});
        const int last = std::min<int>(first + int(rows.size()), int(m_count)) - 1;
        if (last >= first)
            Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
        evictPages();
        return;
    }
    // Only rows that look different are repainted.
    QList<Task> old = std::exchange(it->rows, rows);
    it->stale = false;
    const int n = int(std::max(old.size(), rows.size()));
    int runStart = -1;
    for (int i = 0; i <= n; ++i) {
        const bool changed = i < n && (i >= old.size() || i >= rows.size() || !sameDisplay(old.at(i), rows.at(i)));
        if (changed && runStart < 0)
            runStart = i;
        if (!changed && runStart >= 0) {
            const int lastRow = std::min<int>(first + i, int(m_count)) - 1;
            if (lastRow >= first + runStart)
                Q_EMIT dataChanged(index(first + runStart, 0), index(lastRow, ColumnCount - 1));
            runStart = -1;
        }
    }
}

void TaskTableModel::onPageDropped(quint64 generation, quint64 batchToken, int page)
{
    if (generation != m_generation || m_inFlight.value(page) != batchToken)
        return;
    m_inFlight.remove(page);
    // Nudge the view: if these rows are still on screen, painting them asks for the page again.
    const int first = page * pageSize;
    const int last = std::min<int>(first + pageSize, int(m_count)) - 1;
    if (last >= first)
        Q_EMIT dataChanged(index(first, 0), index(last, 0));
}

void TaskTableModel::evictPages()
{
    while (m_pages.size() > maxCachedPages) {
        auto oldest = m_pages.begin();
        for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
            if (it->lastUse < oldest->lastUse)
                oldest = it;
        }
        m_pages.erase(oldest);
    }
}

} // namespace qd::ui
