#pragma once

#include "core/storeoptions.h"
#include "core/task.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <functional>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;

// The task table over the whole store, smooth at a million rows: the exact row count (countTasks) and the first
// page are asked for together, rows arrive in pages from a reader thread into an LRU-capped cache, data() never
// touches the database and answers "…" for rows still loading. The first page does not depend on the count (it is
// read forward from offset 0), so it is shown as soon as it arrives: on an empty table its rows are inserted at
// once and the count, when it comes, inserts the rest (a first page shorter than a page is the whole result, and
// its size the exact count); over the rows of a previous filter it replaces the top rows in place until the count
// resets the model. totalCount() stays -1 until the count is known. Filtering, searching and sorting happen in SQL.
// Replies carry a generation number and stale ones (from before a filter or sort change) are dropped. Engine changes
// are coalesced to ~10 Hz and refresh the count and the pages on screen without resetting the view.
//
// Thread contract: GUI thread only; all database work happens in its own ReaderThread.
class TaskTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        QueueColumn,
        TypeColumn,
        StateColumn,
        PriorityColumn,
        AttemptsColumn,
        CreatedColumn,
        WaitColumn,
        RunColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role { TaskIdRole = Qt::UserRole + 1, StateRole, LoadedRole };

    static constexpr int pageSize = 256;
    static constexpr int maxCachedPages = 64;
    static QString placeholder() { return QStringLiteral("\u2026"); }

    // Opens its own reader connection on the engine's database and asks for the first page, by id ascending or in
    // the given order. The engine must outlive the model. A view that sorts the model the way it was made asks for
    // nothing again, so a window's first rows are read once.
    explicit TaskTableModel(QueueEngine* engine, QObject* parent = nullptr);
    TaskTableModel(QueueEngine* engine, TaskSortKey sortKey, Qt::SortOrder order, QObject* parent = nullptr);
    ~TaskTableModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    static bool isSortable(int column);

    void setFilter(const TaskFilter& filter);
    const TaskFilter& filter() const { return m_query.filter; }
    const TaskQuery& query() const { return m_query; }
    // The exact number of rows matching the filter, or -1 while the count for a new filter or sort is on its way
    // (the rows shown then still belong to the previous one).
    qint64 totalCount() const { return m_loadedOnce && !m_resetPending ? m_count : -1; }

    // The task shown on a row, if its page is loaded.
    std::optional<Task> taskAt(int row) const;
    // Calls fn(row, taskId) for every row of [first, last] whose page is loaded (including pages shown while
    // their refresh is on its way), without asking for any page; returns the runs of rows that are not loaded.
    QList<std::pair<int, int>> visitLoadedRows(
        int first, int last, const std::function<void(int row, qint64 taskId)>& fn) const;
    // Bumped whenever the rows start meaning something else (a filter or sort change).
    quint64 generation() const { return m_generation; }
    // Re-reads the count and the pages on screen (also done automatically when the engine reports changes).
    void refresh();
    // A count that would insert the rest of the rows after the first page (shown alone until then) waits for
    // releaseFirstCount(): a window inserts a million rows, which costs its view tens of milliseconds (the header
    // keeps a record per row), after the first rows are painted. A new filter or sort ends the hold.
    void holdFirstCount();
    void releaseFirstCount();

Q_SIGNALS:
    void totalCountChanged(qint64 count);
    void readFailed(const QString& message);

private:
    void startNewQuery();
    struct Page {
        QList<Task> rows;
        quint64 lastUse = 0;
        bool stale = false; // shown until its refreshed copy arrives, so live updates do not flicker
    };

    void requestCount();
    void requestFirstPage();
    // The exact count of the current generation is known: reset (or, when the rows shown are already this
    // generation's first page, grow or shrink them to it).
    void applyFirstCount(qint64 count);
    void resizeTo(qint64 count);
    void onFirstPageFetched(const QList<Task>& rows);
    void requestPage(int page) const;
    void flushPageRequests();
    void onCountFetched(quint64 generation, qint64 count);
    void onPageFetched(quint64 generation, quint64 batchToken, int page, const QList<Task>& rows);
    void onPageDropped(quint64 generation, quint64 batchToken, int page);
    void evictPages();
    QVariant displayData(const Task& task, int column) const;

    QueueEngine* m_engine;
    ReaderThread* m_readerThread;
    TaskQuery m_query;
    quint64 m_generation = 1;
    bool m_resetPending = true; // the next count for this generation resets the model
    bool m_countInFlight = false;
    bool m_recountQueued = false;
    bool m_loadedOnce = false;
    // The rows shown are all from the current generation's first page, shown before its count arrived.
    bool m_provisional = false;
    // The count of this generation came from a short first page: the count reply that follows confirms it.
    bool m_countFromPage = false;
    // holdFirstCount() was called and releaseFirstCount() not yet; the count it holds (-1: none yet).
    bool m_holdingCount = false;
    qint64 m_heldCount = -1;
    qint64 m_count = 0;

    // data() is const but drives loading: the cache and the request bookkeeping are mutable.
    mutable QHash<int, Page> m_pages;
    mutable quint64 m_useClock = 0;
    mutable QSet<int> m_wantedPages; // asked for by data() since the last flush
    mutable QHash<int, quint64> m_inFlight; // page -> batch token of its request
    mutable QTimer m_requestTimer;
    quint64 m_batchToken = 0;
    QTimer m_changeTimer; // coalesces engine changes to ~10 Hz, slower when counting is slow
    QElapsedTimer m_countClock;
};

} // namespace qd::ui
