#pragma once

#include <QList>
#include <QPointF>

namespace qd::ui {

// Where a value axis ends when a few points tower over the rest (a bulk enqueue of 100k tasks beside 10 completions
// a second): the axis is fitted to the others and the towering points are clipped, each run of them shown as one
// peak marker. Values at or below the 90th percentile of the non-zero values set the scale; a point counts as a
// spike only when it is over `spikeFactor` times that.
struct SpikeCeiling {
    double max = 0; // where the axis must reach (the largest value kept)
    bool clipped = false;
};
constexpr double spikeFactor = 5.0;
SpikeCeiling spikeCeiling(QList<double> values);

// The peaks of `points` above `ceiling`: one per run of neighbouring points over it, at the run's highest point.
QList<QPointF> peaksAbove(const QList<QPointF>& points, double ceiling);

} // namespace qd::ui
