#pragma once

#include "figure.h"

#include <QList>
#include <QString>

namespace qd::bench {

// B23: signed tasks. Enqueue one task per call (QueueEngine::enqueue, Normal durability) to a queue that requires
// signed tasks, each signed by a producer key the database holds, against the same number of unsigned tasks to a
// plain queue of the same database, in the same repetitions, the order alternating. Signing is the producer's work
// and done before the clock starts; verification (the key read, Ed25519) and recording the key are timed.
// Thread contract: the main thread.
QList<Figure> benchSigning(const QString& scratchDir, int repetitions, int calls);

} // namespace qd::bench
