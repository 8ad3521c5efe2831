#include "readerthread.h"

namespace qd::ui {

ReaderThread::ReaderThread(const StoreOptions& options, QObject* parent)
    : QObject(parent)
    , m_reader(new StoreReader(options))
{
    m_thread.setObjectName(QStringLiteral("qd-reader"));
    m_reader->moveToThread(&m_thread);
    // Deleted in the reader thread as it finishes, so the SQL connection is closed by the thread that opened it.
    connect(&m_thread, &QThread::finished, m_reader, &QObject::deleteLater);
    m_thread.start();
}

ReaderThread::~ReaderThread()
{
    m_thread.quit();
    m_thread.wait();
}

} // namespace qd::ui
