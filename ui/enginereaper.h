#pragma once

#include <memory>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// Destroys engines away from the GUI thread. An engine's destructor shuts down gracefully: it waits up to
// EngineOptions::shutdownGraceMs (10 s by default) for running tasks, which must not freeze a window that is
// closing. retire() hands the last reference of the window to a thread of its own; waitForAll() joins them all and
// is called once when the application's event loop has ended, so every database is closed before the process exits.
//
// Thread contract: retire() on the thread the engine lives in (the GUI thread); waitForAll() from any thread but
// never from a reaper thread. The engine is destroyed by whoever drops the last reference (a reaper thread, or a
// pool thread still finishing a write that holds one).
class EngineReaper {
public:
    static void retire(std::shared_ptr<QueueEngine> engine);
    // Blocks until every engine retired so far is destroyed (or handed to its last other owner).
    static void waitForAll();
    // Engines retired whose teardown is still running.
    static int pendingCount();
};

} // namespace qd::ui
