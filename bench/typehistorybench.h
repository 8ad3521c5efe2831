#pragma once

#include <QString>

namespace qd::bench {

// B24 (context): what keeping per-type chart history would cost the sampler. An hour of the sampler's writes (a
// sample a second: cursor read, one upsert per row, cursor moved, in one transaction; each minute the fold and the
// prune) on a fresh SQLite database at `path`, with `queueRows` rows per sample. Per-type rows would follow the
// per-queue rows' pattern, so `queueRows + types` rows against `queueRows` is their cost. Returns ms for the hour.
// Thread contract: one thread.
double samplerHourMs(const QString& path, int queueRows);

} // namespace qd::bench
