// Linked into the ui test executables and into queuedesk-cli (which tst_cli runs as a child), in the ThreadSanitizer
// build only (see tests/ui/CMakeLists.txt and app/cli/CMakeLists.txt).
//
// Why: the system Qt is not built with TSan. A queued call (a signal to an object in another thread,
// QMetaObject::invokeMethod with Qt::QueuedConnection), a QtConcurrent::run and a QFuture's result all hand data
// from one thread to another through Qt's event queue and thread pool, and QThread::wait() orders a thread's work
// before its return; all of them synchronise with a QMutex and atomics compiled into libQt6Core: TSan does not see
// them, so every value handed over looks like a race (hundreds of reports per ui test, each one a read in the
// receiving slot against the write before the emit, or a write in a lambda's capture against its use in the reader
// thread).
//
// What: these definitions take precedence over libQt6Core's for calls made from our own code (the executable is
// first in the lookup scope; calls inside Qt itself are bound within the library and are not affected), tell TSan
// "release" on the sending side and pass the call on; the receiving side "acquires" where Qt hands the work over:
// before a queued-call or future event is delivered (Qt's event-notify callback, which QCoreApplication runs for
// every event in every thread, registered as the application is constructed), at the start of a thread-pool task,
// after a wait for a future, and after a wait for a QThread that has finished. This models exactly the
// happens-before edges Qt documents for these hand-overs, with one simplification: the edges go through a single
// synchronisation object, not one per receiving thread's queue, so a queued call delivered after a later emit of
// another thread also counts that emit as "before" it. Races between threads that do not hand work over through Qt
// (the engine's writer and workers, the reader thread's own state) are still reported, and the engine's threads run
// without this model in the core tests.
#include <QCoreApplication>
#include <QEvent>
#include <QFutureInterfaceBase>
#include <QMetaObject>
#include <QThread>
#include <QThreadPool>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

namespace {

char handover; // the one synchronisation object of the model

void handoverRelease()
{
    __tsan_release(&handover);
}

void handoverAcquire()
{
    __tsan_acquire(&handover);
}

template <typename Fn> Fn next(const char* mangled)
{
    static_assert(sizeof(Fn) == sizeof(void*));
    return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, mangled));
}

// Receiving side of queued calls: QCoreApplication::notifyInternal2() runs this before it delivers any event, in the
// receiver's thread. A queued call (slot, functor, queued signal's copied arguments) or a future's call-out: what
// the sender did before posting it happened before this. Returning false lets Qt deliver the event as usual.
bool acquireBeforeDelivery(void** data)
{
    const auto* event = static_cast<const QEvent*>(data[1]); // data: receiver, event, result
    if (event->type() == QEvent::MetaCall || event->type() == QEvent::FutureCallOut)
        handoverAcquire();
    return false;
}

// Registered while the QCoreApplication is constructed, before the program starts a thread of its own.
void registerAcquireBeforeDelivery()
{
    QInternal::registerCallback(QInternal::EventNotifyCallback, acquireBeforeDelivery);
}
Q_COREAPP_STARTUP_FUNCTION(registerAcquireBeforeDelivery)

} // namespace

// Sending side: a signal emitted by our code (moc), a functor invoked in another thread, a posted event, a task
// given to a thread pool, a future's result reported.
void QMetaObject::activate(QObject* sender, const QMetaObject* m, int localSignalIndex, void** argv)
{
    static const auto real
        = next<void (*)(QObject*, const QMetaObject*, int, void**)>("_ZN11QMetaObject8activateEP7QObjectPKS_iPPv");
    handoverRelease();
    real(sender, m, localSignalIndex, argv);
    // Once more after the call: a queued connection's arguments are copied inside it (QMetaType::create), after the
    // release above. A receiver that runs after this point sees the copy ordered; one that runs while activate() is
    // still busy with other receivers finds the copy's stack fresh, where the race:QMetaType::create entry of
    // tests/tsan.supp matches it. (A receiver that ran late used to find that stack gone from TSan's history, and
    // the entry could not match: tst_selectionkeeper, statsSampled.)
    handoverRelease();
}

bool QMetaObject::invokeMethodImpl(
    QObject* object, QtPrivate::QSlotObjectBase* slot, Qt::ConnectionType type, void* ret)
{
    static const auto real = next<bool (*)(QObject*, QtPrivate::QSlotObjectBase*, Qt::ConnectionType, void*)>(
        "_ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv");
    handoverRelease();
    return real(object, slot, type, ret);
}

void QCoreApplication::postEvent(QObject* receiver, QEvent* event, int priority)
{
    static const auto real
        = next<void (*)(QObject*, QEvent*, int)>("_ZN16QCoreApplication9postEventEP7QObjectP6QEventi");
    handoverRelease();
    real(receiver, event, priority);
}

void QThreadPool::start(QRunnable* runnable, int priority)
{
    static const auto real = next<void (*)(QThreadPool*, QRunnable*, int)>("_ZN11QThreadPool5startEP9QRunnablei");
    handoverRelease();
    real(this, runnable, priority);
}

void QFutureInterfaceBase::reportFinished()
{
    static const auto real = next<void (*)(QFutureInterfaceBase*)>("_ZN20QFutureInterfaceBase14reportFinishedEv");
    handoverRelease();
    real(this);
}

// A QThread's end: what the thread did up to its finished signal happened before a wait() for it returns. Qt orders
// the two with the thread's QMutex and a QWaitCondition that wait() skips when the thread has already finished, so
// TSan sees no edge (ReaderThread deletes its reader on the GUI thread after that wait). The release is a handler of
// finished connected as the thread starts: it runs in the finishing thread, after the handlers connected before it
// (a QThread started again gets one more of them, which only releases again).
void QThread::start(Priority priority)
{
    static const auto real = next<void (*)(QThread*, Priority)>("_ZN7QThread5startENS_8PriorityE");
    connect(
        this, &QThread::finished, this, [] { handoverRelease(); }, Qt::DirectConnection);
    real(this, priority);
}

bool QThread::wait(QDeadlineTimer deadline)
{
    static const auto real = next<bool (*)(QThread*, QDeadlineTimer)>("_ZN7QThread4waitE14QDeadlineTimer");
    const bool finished = real(this, deadline);
    if (finished)
        handoverAcquire();
    return finished;
}

// Receiving side: a thread-pool task of QtConcurrent starts by asking whether it was cancelled; a wait for a future
// returns once its result is there.
bool QFutureInterfaceBase::isCanceled() const
{
    static const auto real = next<bool (*)(const QFutureInterfaceBase*)>("_ZNK20QFutureInterfaceBase10isCanceledEv");
    const bool canceled = real(this);
    handoverAcquire();
    return canceled;
}

void QFutureInterfaceBase::waitForResult(int resultIndex)
{
    static const auto real = next<void (*)(QFutureInterfaceBase*, int)>("_ZN20QFutureInterfaceBase13waitForResultEi");
    real(this, resultIndex);
    handoverAcquire();
}

void QFutureInterfaceBase::waitForFinished()
{
    static const auto real = next<void (*)(QFutureInterfaceBase*)>("_ZN20QFutureInterfaceBase15waitForFinishedEv");
    real(this);
    handoverAcquire();
}
