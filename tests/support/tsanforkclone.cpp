// Linked into every test executable of the ThreadSanitizer build only (see tests/CMakeLists.txt).
//
// Why: Qt 6.4 starts a QProcess child with glibc's clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) (forkfd's
// system_vforkfd(), called by QProcessPrivate::startProcess()): the child runs on a buffer in the parent's stack, in
// the parent's memory, with the parent thread's TLS until it execs. libtsan (GCC 12) intercepts clone() assuming fork
// semantics: in the child it runs ForkChildAfter(), which for a multi-threaded process turns on "ignore all memory
// accesses and all synchronisation" for the calling thread (and forgets the other threads' pthread ids). With
// CLONE_VM that thread state is the parent's own, and the child execs without ever turning it off. From the first
// QProcess::start() on, TSan ignores every access and every mutex operation of the thread that started it, so a
// later hand-over through a mutex looks like a race against the last access it recorded before the first start.
// (Reproduced in isolation: a main thread writes a global, starts /bin/true, writes it again and hands it to a
// thread under a mutex; TSan reports the read against the write made before the start.)
//
// What: this definition of clone() takes precedence over libtsan's (the executable is first in the lookup scope) and
// passes the call on to it without CLONE_VM and CLONE_VFORK, so the child gets its own copy of the memory, as with
// fork(), which is what the interceptor supports. Qt's child code only talks to the parent through a pipe
// (childStartedPipe), so it works the same. Later Qt versions do this themselves: globalUsingVfork() in
// qprocess_unix.cpp returns false when the process runs under TSan or ASan. Nothing else in the tests or the
// product calls clone() directly (pthread_create and posix_spawn use glibc's internal clone).
#include <cstdarg>
#include <dlfcn.h>
#include <sched.h>
#include <sys/types.h>

extern "C" int clone(int (*fn)(void*), void* stack, int flags, void* arg, ...) noexcept
{
    using Clone = int (*)(int (*)(void*), void*, int, void*, ...);
    static const auto next = reinterpret_cast<Clone>(dlsym(RTLD_NEXT, "clone"));
    va_list rest;
    va_start(rest, arg);
    auto* parentTid = va_arg(rest, pid_t*);
    void* tls = va_arg(rest, void*);
    auto* childTid = va_arg(rest, pid_t*);
    va_end(rest);
    if ((flags & CLONE_VM) && !(flags & CLONE_THREAD)) // a process sharing our memory: make it a copy instead
        flags &= ~(CLONE_VM | CLONE_VFORK);
    return next(fn, stack, flags, arg, parentTid, tls, childTid);
}
