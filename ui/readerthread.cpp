#include "readerthread.h"

namespace qd::ui {

ReaderThread::ReaderThread(const StoreOptions& options, QObject* parent, Start start)
    : QObject(parent)
    , m_reader(new StoreReader(options))
{
    m_thread.setObjectName(QStringLiteral("qd-reader"));
    m_reader->moveToThread(&m_thread);
    // The SQL connection is closed by the thread that opened it, as that thread finishes (finished is emitted there).
    connect(&m_thread, &QThread::finished, m_reader, &StoreReader::closeStore, Qt::DirectConnection);
    if (start == Start::Now)
        m_thread.start();
}

void ReaderThread::start()
{
    if (!m_thread.isRunning() && !m_thread.isFinished())
        m_thread.start();
}

ReaderThread::~ReaderThread()
{
    m_thread.quit();
    m_thread.wait();
    // The reader thread has finished, so the reader handles no more events and is deleted here, on the GUI thread,
    // with the reads still posted to it. Not deleted in its own thread: the slot objects of its connections to the
    // GUI thread's receivers are called on the GUI thread, and the last reference to them, dropped by whichever
    // thread destroys the reader, would then be ordered after those calls only by Qt's reference counts (atomics
    // inside QtCore, invisible to ThreadSanitizer). Here they are freed on the thread that called them, after the
    // join, which orders the reader thread's last work before this delete.
    delete m_reader;
}

} // namespace qd::ui
