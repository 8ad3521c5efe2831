#include "taskselectionkeeper.h"

#include "readerthread.h"
#include "tasktablemodel.h"

#include <QItemSelectionModel>
#include <QTableView>

#include <algorithm>

namespace qd::ui {

TaskSelectionKeeper::TaskSelectionKeeper(QTableView* view, TaskTableModel* model, ReaderThread* reader, QObject* parent)
    : QObject(parent)
    , m_view(view)
    , m_model(model)
    , m_reader(reader)
{
    // One restore per burst of model changes (a refresh lands as several page replies), after they are applied.
    m_restoreTimer.setSingleShot(true);
    m_restoreTimer.setInterval(0);
    connect(&m_restoreTimer, &QTimer::timeout, this, &TaskSelectionKeeper::restore);
    // The table changes up to 10 times a second under load: a few checks a second are enough.
    m_checkTimer.setSingleShot(true);
    m_checkTimer.setInterval(200);
    connect(&m_checkTimer, &QTimer::timeout, this, &TaskSelectionKeeper::checkStillMatching);

    QItemSelectionModel* selection = view->selectionModel();
    connect(selection, &QItemSelectionModel::selectionChanged, this, &TaskSelectionKeeper::onSelectionChanged);
    connect(selection, &QItemSelectionModel::currentChanged, this, &TaskSelectionKeeper::onCurrentChanged);
    for (auto changed : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(model, changed, this, [this] {
            scheduleRestore();
            scheduleCheck();
        });
    }
    connect(model, &QAbstractItemModel::dataChanged, this, [this] {
        scheduleRestore();
        scheduleCheck();
    });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        // Qt cleared the selection without telling: so do we (see the class comment).
        const bool had = !m_ids.isEmpty() || !m_pending.isEmpty();
        m_ids.clear();
        m_currentId = 0;
        m_pending.clear();
        m_checkTimer.stop();
        m_checkRequest = 0;
        m_checkSent.clear();
        m_checkQueued = false;
        notifyReady();
        if (had)
            Q_EMIT selectionIdsChanged(0);
    });
    connect(reader->reader(), &StoreReader::rowIdsFetched, this, &TaskSelectionKeeper::onRowIds);
    connect(reader->reader(), &StoreReader::matchingIdsFetched, this, &TaskSelectionKeeper::onMatchingIds);
}

QList<qint64> TaskSelectionKeeper::selectedIds() const
{
    QList<qint64> ids(m_ids.cbegin(), m_ids.cend());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void TaskSelectionKeeper::whenReady(QObject* context, std::function<void()> fn)
{
    if (idsReady()) {
        fn();
        return;
    }
    m_waiting.append({QPointer<QObject>(context), std::move(fn)});
}

void TaskSelectionKeeper::notifyReady()
{
    if (!idsReady())
        return;
    const auto waiting = std::exchange(m_waiting, {});
    for (const auto& [context, fn] : waiting) {
        if (context)
            fn();
    }
}

void TaskSelectionKeeper::onSelectionChanged(const QItemSelection& selected, const QItemSelection& deselected)
{
    if (m_applying)
        return;
    const QSet<qint64> before = m_ids;
    QItemSelectionModel* model = m_view->selectionModel();
    // The usual case, a click or ctrl-click among loaded rows: the ids are exactly those of the selected rows.
    QSet<qint64> exact;
    bool allLoaded = true;
    for (const QItemSelectionRange& range : model->selection()) {
        const auto unloaded
            = m_model->visitLoadedRows(range.top(), range.bottom(), [&exact](int, qint64 id) { exact.insert(id); });
        allLoaded = allLoaded && unloaded.isEmpty();
    }
    if (allLoaded) {
        m_ids = exact;
        m_pending.clear(); // nothing older can still matter
    } else {
        // Rows that were never loaded are in play: apply the change as a delta, resolving such rows by position.
        for (const QItemSelectionRange& range : deselected) {
            resolve(m_model->visitLoadedRows(range.top(), range.bottom(), [this](int, qint64 id) { m_ids.remove(id); }),
                false);
        }
        for (const QItemSelectionRange& range : selected) {
            if (range.top() == 0 && range.bottom() == m_model->rowCount() - 1) {
                resolve({{0, range.bottom()}}, true); // select all: one streaming read of every id
                continue;
            }
            resolve(m_model->visitLoadedRows(range.top(), range.bottom(), [this](int, qint64 id) { m_ids.insert(id); }),
                true);
        }
    }
    if (m_ids != before)
        Q_EMIT selectionIdsChanged(int(m_ids.size()));
    notifyReady();
}

void TaskSelectionKeeper::resolve(const QList<std::pair<int, int>>& runs, bool add)
{
    if (runs.isEmpty())
        return;
    QList<std::pair<qint64, qint64>> ranges;
    for (const auto& [first, last] : runs)
        ranges.append({first, last});
    const quint64 id = ++m_nextRequest;
    m_pending.append({id, add});
    m_reader->post([id, query = m_model->query(), ranges, total = qint64(m_model->rowCount())](
                       StoreReader* r) { r->fetchRowIds(id, query, ranges, total); });
}

void TaskSelectionKeeper::onRowIds(quint64 requestId, const QList<qint64>& ids, bool complete)
{
    // Replies come in request order (one reader thread): apply this one if it is still wanted.
    auto it = std::find_if(
        m_pending.begin(), m_pending.end(), [requestId](const Pending& p) { return p.requestId == requestId; });
    if (it == m_pending.end())
        return; // superseded by a selection that needed no resolution, or by a reset
    const bool add = it->add;
    m_pending.erase(it);
    if (complete) {
        for (qint64 id : ids) {
            if (add)
                m_ids.insert(id);
            else
                m_ids.remove(id);
        }
    }
    // An incomplete answer adds nothing: acting on part of what the admin selected would be worse than on less.
    Q_EMIT selectionIdsChanged(int(m_ids.size()));
    scheduleRestore();
    notifyReady();
}

void TaskSelectionKeeper::onCurrentChanged()
{
    if (m_applying)
        return;
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    const QVariant id
        = current.isValid() ? m_model->data(current.siblingAtColumn(0), TaskTableModel::TaskIdRole) : QVariant();
    m_currentId = id.isValid() ? id.toLongLong() : 0;
}

void TaskSelectionKeeper::scheduleRestore()
{
    if (!m_applying && (!m_ids.isEmpty() || m_currentId > 0) && !m_restoreTimer.isActive())
        m_restoreTimer.start();
}

void TaskSelectionKeeper::restore()
{
    QItemSelectionModel* selection = m_view->selectionModel();
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    const int lastColumn = m_model->columnCount() - 1;
    // Loaded rows: selected exactly when their task is. Rows not loaded keep what they have: they are either being
    // resolved or not shown, and their task is unknown until their page arrives (which restores again).
    QItemSelection desired;
    bool differs = false;
    int currentRow = -1;
    int runStart = -1;
    int runEnd = -2;
    auto flush = [&] {
        if (runStart >= 0)
            desired.select(m_model->index(runStart, 0), m_model->index(runEnd, lastColumn));
        runStart = -1;
        runEnd = -2;
    };
    const auto unloaded = m_model->visitLoadedRows(0, rows - 1, [&](int row, qint64 id) {
        const bool want = m_ids.contains(id);
        if (id == m_currentId)
            currentRow = row;
        if (want != selection->isRowSelected(row, {}))
            differs = true;
        if (!want)
            return;
        if (row != runEnd + 1)
            flush();
        if (runStart < 0)
            runStart = row;
        runEnd = row;
    });
    flush();
    for (const auto& [first, last] : unloaded) {
        for (const QItemSelectionRange& range : selection->selection()) {
            const int top = std::max(first, range.top());
            const int bottom = std::min(last, range.bottom());
            if (top <= bottom)
                desired.select(m_model->index(top, 0), m_model->index(bottom, lastColumn));
        }
    }
    m_applying = true;
    // Following a task that moved must not scroll the view away from where the admin is looking.
    const bool autoScroll = m_view->hasAutoScroll();
    m_view->setAutoScroll(false);
    if (differs)
        selection->select(desired, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    const QModelIndex current = selection->currentIndex();
    if (currentRow >= 0 && current.row() != currentRow)
        selection->setCurrentIndex(
            m_model->index(currentRow, std::max(0, current.column())), QItemSelectionModel::NoUpdate);
    m_view->setAutoScroll(autoScroll);
    m_applying = false;
}

void TaskSelectionKeeper::scheduleCheck()
{
    if (m_ids.isEmpty())
        return;
    if (m_checkRequest != 0) {
        m_checkQueued = true; // one more after the one in flight, not one per change
        return;
    }
    if (!m_checkTimer.isActive())
        m_checkTimer.start();
}

void TaskSelectionKeeper::checkStillMatching()
{
    if (m_ids.isEmpty() || m_checkRequest != 0)
        return;
    m_checkQueued = false;
    m_checkSent = m_ids;
    m_checkRequest = ++m_nextRequest;
    m_reader->post([id = m_checkRequest, filter = m_model->filter(), ids = selectedIds()](
                       StoreReader* r) { r->fetchMatchingIds(id, filter, ids); });
}

void TaskSelectionKeeper::onMatchingIds(quint64 requestId, const QList<qint64>& matching, bool complete)
{
    if (requestId == 0 || requestId != m_checkRequest)
        return; // sent before a reset: the selection it was about is gone
    m_checkRequest = 0;
    const QSet<qint64> sent = std::exchange(m_checkSent, {});
    if (complete) {
        // Only ids that were asked about and did not match: ids selected since are the admin's latest word.
        QSet<qint64> left = sent;
        for (qint64 id : matching)
            left.remove(id);
        qsizetype removed = 0;
        for (qint64 id : std::as_const(left))
            removed += m_ids.remove(id) ? 1 : 0;
        if (removed > 0) {
            Q_EMIT selectionIdsChanged(int(m_ids.size()));
            if (!m_restoreTimer.isActive())
                m_restoreTimer.start(); // rows still showing such a task (a page not yet refreshed) are unselected
        }
    }
    if (std::exchange(m_checkQueued, false))
        scheduleCheck();
}

} // namespace qd::ui
