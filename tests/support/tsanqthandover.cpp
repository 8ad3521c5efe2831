// Linked into the ui test executables of the ThreadSanitizer build only (see tests/ui/CMakeLists.txt).
//
// Why: the system Qt is not built with TSan. A queued call (a signal to an object in another thread,
// QMetaObject::invokeMethod with Qt::QueuedConnection), a QtConcurrent::run and a QFuture's result all hand data
// from one thread to another through Qt's event queue and thread pool, which synchronise with a QMutex and atomics
// compiled into libQt6Core: TSan does not see them, so every value handed over looks like a race (hundreds of
// reports per ui test, each one a read in the receiving slot against the write before the emit, or a write in a
// lambda's capture against its use in the reader thread).
//
// What: these definitions take precedence over libQt6Core's for calls made from our own code (the executable is
// first in the lookup scope; calls inside Qt itself are bound within the library and are not affected), tell TSan
// "release" on the sending side and pass the call on; the receiving side "acquires" where Qt hands the work over:
// in qd::test::TsanApplication::notify() for queued-call and future events, at the start of a thread-pool task and
// after a wait for a future. This models exactly the happens-before edges Qt documents for these hand-overs, with one
// simplification: the edges go through a single synchronisation object, not one per receiving thread's queue, so a
// queued call delivered after a later emit of another thread also counts that emit as "before" it. Races between
// threads that do not hand work over through Qt (the engine's writer and workers, the reader thread's own state) are
// still reported, and the engine's threads run without this model in the core tests.
#include <QCoreApplication>
#include <QEvent>
#include <QFutureInterfaceBase>
#include <QMetaObject>
#include <QThreadPool>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

namespace {

char handover; // the one synchronisation object of the model

template <typename Fn> Fn next(const char* mangled)
{
    static_assert(sizeof(Fn) == sizeof(void*));
    return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, mangled));
}

} // namespace

namespace qd::test {

void tsanHandoverRelease()
{
    __tsan_release(&handover);
}

void tsanHandoverAcquire()
{
    __tsan_acquire(&handover);
}

} // namespace qd::test

// Sending side: a signal emitted by our code (moc), a functor invoked in another thread, a posted event, a task
// given to a thread pool, a future's result reported.
void QMetaObject::activate(QObject* sender, const QMetaObject* m, int localSignalIndex, void** argv)
{
    static const auto real
        = next<void (*)(QObject*, const QMetaObject*, int, void**)>("_ZN11QMetaObject8activateEP7QObjectPKS_iPPv");
    qd::test::tsanHandoverRelease();
    real(sender, m, localSignalIndex, argv);
}

bool QMetaObject::invokeMethodImpl(
    QObject* object, QtPrivate::QSlotObjectBase* slot, Qt::ConnectionType type, void* ret)
{
    static const auto real = next<bool (*)(QObject*, QtPrivate::QSlotObjectBase*, Qt::ConnectionType, void*)>(
        "_ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv");
    qd::test::tsanHandoverRelease();
    return real(object, slot, type, ret);
}

void QCoreApplication::postEvent(QObject* receiver, QEvent* event, int priority)
{
    static const auto real
        = next<void (*)(QObject*, QEvent*, int)>("_ZN16QCoreApplication9postEventEP7QObjectP6QEventi");
    qd::test::tsanHandoverRelease();
    real(receiver, event, priority);
}

void QThreadPool::start(QRunnable* runnable, int priority)
{
    static const auto real = next<void (*)(QThreadPool*, QRunnable*, int)>("_ZN11QThreadPool5startEP9QRunnablei");
    qd::test::tsanHandoverRelease();
    real(this, runnable, priority);
}

void QFutureInterfaceBase::reportFinished()
{
    static const auto real = next<void (*)(QFutureInterfaceBase*)>("_ZN20QFutureInterfaceBase14reportFinishedEv");
    qd::test::tsanHandoverRelease();
    real(this);
}

// Receiving side: a thread-pool task of QtConcurrent starts by asking whether it was cancelled; a wait for a future
// returns once its result is there.
bool QFutureInterfaceBase::isCanceled() const
{
    static const auto real = next<bool (*)(const QFutureInterfaceBase*)>("_ZNK20QFutureInterfaceBase10isCanceledEv");
    const bool canceled = real(this);
    qd::test::tsanHandoverAcquire();
    return canceled;
}

void QFutureInterfaceBase::waitForResult(int resultIndex)
{
    static const auto real = next<void (*)(QFutureInterfaceBase*, int)>("_ZN20QFutureInterfaceBase13waitForResultEi");
    real(this, resultIndex);
    qd::test::tsanHandoverAcquire();
}

void QFutureInterfaceBase::waitForFinished()
{
    static const auto real = next<void (*)(QFutureInterfaceBase*)>("_ZN20QFutureInterfaceBase15waitForFinishedEv");
    real(this);
    qd::test::tsanHandoverAcquire();
}
