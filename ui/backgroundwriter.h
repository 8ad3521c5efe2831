#pragma once

#include "core/result.h"

#include <QObject>

#include <functional>

namespace qd::ui {

// Runs engine writes (which block until the writer thread commits) on the thread pool and reports back on the GUI
// thread by a queued signal, so the window stays responsive during a bulk retry of a million tasks.
//
// Thread contract: construct and call run() on the GUI thread; `work` runs on a pool thread and must only touch
// thread-safe objects (the engine); writeFinished is emitted on the GUI thread.
class BackgroundWriter : public QObject {
    Q_OBJECT
public:
    explicit BackgroundWriter(QObject* parent = nullptr);
    ~BackgroundWriter() override;

    // `what` names the operation for messages ("Retry 12 tasks"). `work` returns how many tasks it affected.
    void run(const QString& what, std::function<Result<qint64>()> work);
    int pendingCount() const { return m_pending; }
    // Blocks until every write started so far has finished. For shutdown and tests only, never in a slot.
    void waitForAll();

Q_SIGNALS:
    void busyChanged(bool busy, const QString& what);
    void writeFinished(const QString& what, bool ok, qint64 affected, const QString& error);

private:
    int m_pending = 0;
    class Private;
    Private* d;
};

} // namespace qd::ui
