#include "spikeclip.h"

#include <algorithm>
#include <cmath>

namespace qd::ui {

SpikeCeiling spikeCeiling(QList<double> values)
{
    values.removeIf([](double v) { return !(v > 0) || !std::isfinite(v); });
    SpikeCeiling ceiling;
    if (values.isEmpty())
        return ceiling;
    std::sort(values.begin(), values.end());
    ceiling.max = values.last();
    // Too few points to tell a spike from the data.
    if (values.size() < 5)
        return ceiling;
    const double typical = values.at(qsizetype(std::ceil(0.9 * double(values.size()))) - 1);
    const double limit = typical * spikeFactor;
    if (ceiling.max <= limit)
        return ceiling;
    // The largest value that is not a spike: it stays on the axis.
    const auto kept = std::upper_bound(values.cbegin(), values.cend(), limit);
    ceiling.max = *(kept - 1);
    ceiling.clipped = true;
    return ceiling;
}

QList<QPointF> peaksAbove(const QList<QPointF>& points, double ceiling)
{
    QList<QPointF> peaks;
    bool inRun = false;
    for (const QPointF& p : points) {
        if (p.y() > ceiling) {
            if (!inRun)
                peaks.append(p);
            else if (p.y() > peaks.last().y())
                peaks.last() = p;
            inRun = true;
        } else {
            inRun = false;
        }
    }
    return peaks;
}

} // namespace qd::ui
