#pragma once

#include "figure.h"

#include <QList>
#include <QString>

namespace qd::bench {

// B15: task files ingested per second by a spool (SpoolService with its SpoolIngester, an engine without workers,
// so only ingestion is timed) against a raw loop over the same number of files on the same disk: readdir, then
// open, read and close each file and rename it into another folder. `repetitions` pairs, the order alternating;
// `files` task files per run, written (untimed, through tmp/) just before each side runs. Thread contract: the
// main thread (the engine lives there).
QList<Figure> benchSpool(const QString& scratchDir, int repetitions, int files);

} // namespace qd::bench
