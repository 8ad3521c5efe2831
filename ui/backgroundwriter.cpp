#include "backgroundwriter.h"

#include <QFutureSynchronizer>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace qd::ui {

namespace {
// A plain value for the future: Result<T> has no default constructor.
struct Outcome {
    bool ok = false;
    qint64 affected = 0;
    QString error;
};
} // namespace

class BackgroundWriter::Private {
public:
    QFutureSynchronizer<void> futures;
};

BackgroundWriter::BackgroundWriter(QObject* parent)
    : QObject(parent)
    , d(new Private)
{ }

BackgroundWriter::~BackgroundWriter()
{
    // The work captures the engine: it must finish before whoever owns the engine goes on to destroy it.
    d->futures.waitForFinished();
    delete d;
}

void BackgroundWriter::run(const QString& what, std::function<Result<qint64>()> work)
{
    ++m_pending;
    Q_EMIT busyChanged(true, what);
    QPointer<BackgroundWriter> self(this);
    d->futures.addFuture(QtConcurrent::run([self, what, work = std::move(work)] {
        Outcome outcome;
        try {
            auto result = work();
            outcome.ok = result.ok();
            outcome.affected = result.ok() ? *result : 0;
            outcome.error = result.errorString();
        } catch (const std::exception& e) {
            // Nothing may escape a pool thread; report it like any other failure.
            outcome.error = QString::fromLocal8Bit(e.what());
        }
        // The destructor waits for this function, so `self` cannot be destroyed while we use it here; the
        // queued call is dropped if the object is gone by the time the GUI thread gets to it.
        QMetaObject::invokeMethod(
            self.data(),
            [self, what, outcome] {
                if (!self)
                    return;
                if (--self->m_pending == 0)
                    self->d->futures.clearFutures(); // keep the list from growing over a long session
                Q_EMIT self->writeFinished(what, outcome.ok, outcome.affected, outcome.error);
                Q_EMIT self->busyChanged(self->m_pending > 0, what);
            },
            Qt::QueuedConnection);
    }));
}

void BackgroundWriter::waitForAll()
{
    d->futures.waitForFinished();
}

} // namespace qd::ui
