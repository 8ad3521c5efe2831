#pragma once

namespace qd::startuptrace {

// Milestones of a program's start, for finding where the time to the first rows goes: with QD_STARTUP_TRACE set,
// each mark prints "startup <ms> <thread> <what>" to stderr, the milliseconds counted from the process's start
// (the kernel's start time, to 10 ms) so that loading the program is included. Without it a mark costs one load.
//
// Thread contract: any thread.
bool enabled();
void mark(const char* what);

// Marks `what` when it ends, with its duration, if tracing is on.
class Scope {
public:
    explicit Scope(const char* what);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    const char* m_what;
    double m_startMs = 0;
};

} // namespace qd::startuptrace
