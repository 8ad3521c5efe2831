#include "capacityforecast.h"

#include <cmath>

namespace qd {

namespace {
constexpr double suggestionHorizonSeconds = 600; // "N more workers would drain it in about ..." aims at 10 min
}

QString aboutDuration(double seconds)
{
    if (seconds < 1)
        return QStringLiteral("under a second");
    if (seconds < 90)
        return QStringLiteral("about %1 s").arg(std::lround(seconds));
    if (seconds < 90 * 60)
        return QStringLiteral("about %1 min").arg(std::lround(seconds / 60));
    if (seconds < 36 * 3600)
        return QStringLiteral("about %1 h").arg(QString::number(seconds / 3600, 'g', 2));
    return QStringLiteral("about %1 days").arg(std::lround(seconds / 86400));
}

CapacityForecast forecastCapacity(const CapacityInputs& in)
{
    CapacityForecast f;
    f.inputs = in;
    const double lambda = std::max(0.0, in.arrivalsPerSecond);
    const double mu = std::max(0.0, in.servicePerWorkerPerSecond);
    f.mmc = queuemodel::mmc(lambda, mu, in.workers);
    f.drainSeconds = queuemodel::fluidDrainSeconds(in.queued, lambda, mu, in.workers);
    f.designDrainSeconds = queuemodel::designDrainSeconds(in.queued, lambda, mu * in.workers);
    f.excessArrivalsPerSecond = std::max(0.0, lambda - mu * in.workers);

    if (mu <= 0) {
        f.sentence = in.queued > 0 || lambda > 0 ? QStringLiteral("no run times measured yet: nothing to forecast with")
                                                 : QStringLiteral("idle");
        return f;
    }
    if (f.drainSeconds && (*f.drainSeconds <= suggestionHorizonSeconds || in.queued <= 0)) {
        f.sentence = in.queued <= 0 ? QStringLiteral("keeps up: nothing waits")
                                    : QStringLiteral("drains in %1").arg(aboutDuration(*f.drainSeconds));
        return f;
    }
    f.suggestedWorkers = queuemodel::workersToDrainWithin(in.queued, lambda, mu, suggestionHorizonSeconds);
    f.suggestedDrainSeconds = queuemodel::fluidDrainSeconds(in.queued, lambda, mu, f.suggestedWorkers);
    const int more = f.suggestedWorkers - in.workers;
    const QString suggestion = more > 0 && f.suggestedDrainSeconds
        ? QStringLiteral("; %1 more worker%2 would drain it in %3")
              .arg(more)
              .arg(more == 1 ? QString() : QStringLiteral("s"))
              .arg(aboutDuration(*f.suggestedDrainSeconds))
        : QString();
    if (!f.drainSeconds) {
        f.sentence = f.excessArrivalsPerSecond > 0 ? QStringLiteral("will not drain: arrivals exceed capacity by %1/s")
                                                         .arg(QString::number(f.excessArrivalsPerSecond, 'g', 3))
                                                   : QStringLiteral("will not drain: arrivals equal capacity");
        f.sentence += suggestion;
    } else {
        f.sentence = QStringLiteral("drains in %1").arg(aboutDuration(*f.drainSeconds)) + suggestion;
    }
    return f;
}

} // namespace qd
