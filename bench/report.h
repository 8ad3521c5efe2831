#pragma once

#include "figure.h"

#include <QList>
#include <QString>

namespace qd::bench {

// Where and how the suite ran, for the reader of the results who was not there.
struct RunInfo {
    QString date;
    QString mode; // quick or full
    QString cpu;
    int cores = 0;
    QString os;
    QString commit;
    QString scratchDir;
    QString loadBefore; // /proc/loadavg
    QString loadAfter;
    int repetitions = 0;
    QString repetitionsNote; // how many runs each figure had, in words
    QString command;
};

RunInfo collectRunInfo();
QString readLoadAverage();

void writeJson(const QString& path, const RunInfo& info, const QList<Figure>& figures);
void writeMarkdown(const QString& path, const RunInfo& info, const QList<Figure>& figures);

} // namespace qd::bench
