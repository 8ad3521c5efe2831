// Start-up milestones printed behind QD_STARTUP_TRACE (see startuptrace.h).
#include "startuptrace.h"

#include <QByteArray>
#include <QFile>
#include <QThread>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unistd.h>

namespace qd::startuptrace {

namespace {

double monotonicMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The process's start on the steady clock: /proc's start time (clock ticks since boot) moved from CLOCK_BOOTTIME
// to CLOCK_MONOTONIC (steady_clock on Linux). Falls back to the first mark elsewhere.
double processStartMs()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    timespec boot {};
    timespec mono {};
    if (!stat.open(QIODevice::ReadOnly) || clock_gettime(CLOCK_BOOTTIME, &boot) != 0
        || clock_gettime(CLOCK_MONOTONIC, &mono) != 0)
        return monotonicMs();
    const QByteArray line = stat.readAll();
    // Fields after the command name (which may hold spaces) start after its closing parenthesis; start time is 22nd.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    constexpr int startTimeField = 22 - 3;
    if (fields.size() <= startTimeField)
        return monotonicMs();
    const double startSinceBootMs = fields.at(startTimeField).toDouble() * 1000.0 / double(sysconf(_SC_CLK_TCK));
    const double bootToMonotonicMs
        = (double(boot.tv_sec) - double(mono.tv_sec)) * 1000.0 + (double(boot.tv_nsec) - double(mono.tv_nsec)) / 1e6;
    return startSinceBootMs - bootToMonotonicMs;
}

struct Clock {
    bool on = std::getenv("QD_STARTUP_TRACE") != nullptr;
    double startMs = on ? processStartMs() : 0;
};

const Clock& clock()
{
    static const Clock c;
    return c;
}

// "startup <ms since process start> <thread> <what>[ (<ms> ms)]"
void print(const char* what, double tookMs)
{
    QByteArray thread = QThread::currentThread()->objectName().toUtf8();
    if (thread.isEmpty())
        thread = gettid() == getpid() ? "main" : "thread";
    if (tookMs >= 0)
        std::fprintf(stderr, "startup %8.1f %-10s %s (%.1f ms)\n", monotonicMs() - clock().startMs, thread.constData(),
            what, tookMs);
    else
        std::fprintf(stderr, "startup %8.1f %-10s %s\n", monotonicMs() - clock().startMs, thread.constData(), what);
}

} // namespace

bool enabled()
{
    return clock().on;
}

void mark(const char* what)
{
    if (enabled())
        print(what, -1);
}

Scope::Scope(const char* what)
    : m_what(what)
{
    if (enabled())
        m_startMs = monotonicMs();
}

Scope::~Scope()
{
    if (enabled())
        print(m_what, monotonicMs() - m_startMs);
}

} // namespace qd::startuptrace
