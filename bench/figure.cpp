#include "figure.h"

namespace qd::bench {

bool Figure::met() const
{
    switch (goal) {
    case Goal::RatioAtLeast:
        return !ratio.isEmpty() && ratio.median() >= goalValue;
    case Goal::RatioAtMost:
        return !ratio.isEmpty() && ratio.median() <= goalValue;
    case Goal::ValueAtMost:
        return !subject.isEmpty() && subject.median() <= goalValue;
    case Goal::None:
        return true;
    }
    return false;
}

QString Figure::goalText() const
{
    switch (goal) {
    case Goal::RatioAtLeast:
        return QStringLiteral(">= %1x").arg(goalValue);
    case Goal::RatioAtMost:
        return QStringLiteral("<= %1x").arg(goalValue);
    case Goal::ValueAtMost:
        return QStringLiteral("<= %1 %2").arg(goalValue).arg(unit);
    case Goal::None:
        return QStringLiteral("-");
    }
    return {};
}

} // namespace qd::bench
