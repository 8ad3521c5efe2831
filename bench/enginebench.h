#pragma once

#include "core/storeoptions.h"

#include <QString>

#include <vector>

namespace qd::bench {

// The QueueDesk side of the benchmarks: everything through the public QueueEngine API, with the engine's default
// options except where a figure says otherwise. Each returns operations per second; any error ends the run.

// `total` single-task enqueue() calls spread over `producers` threads.
double engineEnqueueRate(const QString& path, Durability durability, int total, int producers);

// `batches` enqueueBatch() calls of `batchSize` tasks each; returns tasks per second.
double engineBatchRate(const QString& path, int batches, int batchSize);

// Opens an engine on a database holding `expected` queued noop tasks, starts `workers` workers and waits until all
// succeeded (from the engine's in-memory counts). Returns tasks per second.
double engineDrainRate(const QString& path, int expected, int workers);

// `total` tasks with a 256-byte payload enqueued in batches of 1,000 while `workers` workers drain them, timed
// until all succeeded; with a `keyFile`, the database is encrypted first (untimed). Returns tasks per second.
double engineEnqueueDrainRate(const QString& path, const QString& keyFile, int total, int workers);

// Fills `path` with `count` queued noop tasks through the engine (the drain benchmarks copy this file).
void engineFillQueue(const QString& path, int count);

struct LatencyRun {
    std::vector<double> latenciesMs; // enqueue() call to handler start, one per task after the warm-up
    double achievedRate = 0; // tasks per second actually offered
};

// Open-loop load: one producer enqueues at `rate` tasks/s for `seconds` (each task's time is taken just before its
// enqueue() call and travels in the payload); a probe handler records when it starts.
// `tweak` is for diagnosis only (qd_bench --profile latency-...): "nosample" turns the metrics sampler off,
// "nockpt" turns SQLite's WAL auto-checkpoint off on the writer's connection.
LatencyRun engineLatency(const QString& path, double rate, double seconds, int workers, const QString& tweak = {});

// The same load offered by another process: `producer` (qd_bench itself) is started with --latency-producer and
// enqueues while this process's engine runs the workers. The steady clock is the same for both processes.
LatencyRun crossProcessLatency(const QString& path, double rate, double seconds, int workers, const QString& producer);
// The producer process's side: `count` tasks at `rate` tasks/s; prints the rate achieved.
int runLatencyProducer(const QString& path, double rate, int count);

} // namespace qd::bench
