#pragma once

#include "samples.h"

#include <QString>

namespace qd::bench {

// One line of the results table: QueueDesk's numbers, the baseline measured in the same repetitions, and the goal.
struct Figure {
    enum class Goal { RatioAtLeast, RatioAtMost, ValueAtMost, None };

    QString id; // "B1"
    QString title;
    QString variant; // "8 producers", "p99 at 2000/s"...
    QString unit; // of subject and baseline
    Samples subject;
    QString baselineName;
    Samples baseline; // empty when the goal is absolute
    Samples ratio; // subject / baseline of the same repetition
    Goal goal = Goal::None;
    double goalValue = 0;
    QString note;
    bool skipped = false;

    // Judged on the median: one disturbed repetition on a shared machine neither makes nor breaks a goal.
    bool met() const;
    QString goalText() const;
};

} // namespace qd::bench
