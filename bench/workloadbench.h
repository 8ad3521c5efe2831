#pragma once

#include "core/task.h"

#include <QList>
#include <QString>

namespace qd::bench {

// B6: a real mixed workload (image thumbnails and crops, access-log summaries) run through the queue and, as the
// baseline, by the same handlers called directly from a plain loop. Thread contract: call from one thread; each
// function starts and joins the threads it uses.

struct MixedWorkloadSize {
    int images = 12;
    int logs = 2;
    int logLines = 20'000;
};

// Generates the input files in `directory` (DemoWorkload, fixed seed) and returns the image and logstats tasks,
// none of which fails.
QList<NewTask> buildMixedWorkload(const QString& directory, const MixedWorkloadSize& size);

// One run of the workload, on either side. Both sides run the handlers through the same timing wrapper (two clock
// reads per task), so that an overhead can be told apart: handlers that ran longer, or threads that waited.
struct MixedRun {
    double seconds = 0; // the whole run
    double handlerMs = 0; // the handlers' run times, summed over the threads
    // Summed over the threads: from the run's start to each thread's first task, and between its tasks. The queue's
    // own share of a run (claims, commits, hand-offs), next to the loop's atomic counter.
    double waitingMs = 0;
};

// From enqueueBatch() of all the tasks until `workers` workers have run every one of them successfully (opening
// the engine is not timed).
MixedRun engineMixedRun(const QString& databasePath, const QList<NewTask>& tasks, int workers);

// `threads` std::threads run the same tasks by calling the registered handlers directly: each thread takes the
// next task (in the engine's claim order: queues in turn, highest priority first within each), parses its payload
// and runs it. No database, no events, no leases: what the work costs without the queue.
MixedRun loopMixedRun(const QList<NewTask>& tasks, int threads);

} // namespace qd::bench
