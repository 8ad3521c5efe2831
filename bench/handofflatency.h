#pragma once

#include <vector>

namespace qd::bench {

// B5's baseline: the floor any queue with one writer thread has between enqueue and handler start, measured on the
// machine of the moment. The caller's thread hands each item to a relay thread and waits for its acknowledgement
// (as enqueue() waits for the writer's commit); the relay acknowledges, then hands the item to a worker thread,
// which takes the time. Two sleeping threads wake per item, as in QueueDesk, but nothing is written anywhere: what
// is left is how fast this machine wakes a thread (on a virtual machine, also how long the host keeps a virtual CPU
// away). Open loop at `rate` items/s for `seconds`, like engineLatency; the same warm-up is dropped.
std::vector<double> handoffLatenciesMs(double rate, double seconds);

} // namespace qd::bench
