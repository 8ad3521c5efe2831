#pragma once

#include "storereader.h"

#include <QThread>

#include <utility>

namespace qd::ui {

// Owns a reader thread and the StoreReader living in it. Destroying it quits the thread, waits for the read in
// progress, closes the reader's connection in its own thread, then deletes the reader (reads still posted to it are
// dropped).
//
// Thread contract: create, use and destroy on the GUI thread; post() hands work to the reader thread.
class ReaderThread : public QObject {
    Q_OBJECT
public:
    // Later: reads posted before start() wait for it (a window's panels, until its first rows are painted).
    enum class Start { Now, Later };
    explicit ReaderThread(const StoreOptions& options, QObject* parent = nullptr, Start start = Start::Now);
    ~ReaderThread() override;

    // Starts the thread of a reader made with Start::Later; the reads posted so far run in order. Once is enough.
    void start();

    // The reader, for connecting to its signals (never call its fetch methods directly).
    StoreReader* reader() const { return m_reader; }

    // Runs fn(reader) in the reader thread, after the reads posted before it.
    template <typename Fn> void post(Fn&& fn)
    {
        QMetaObject::invokeMethod(
            m_reader, [r = m_reader, f = std::forward<Fn>(fn)]() mutable { f(r); }, Qt::QueuedConnection);
    }

private:
    QThread m_thread;
    StoreReader* m_reader;
};

} // namespace qd::ui
