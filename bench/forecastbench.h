#pragma once

#include <QString>

#include <optional>

namespace qd::bench {

// B17: does the capacity forecast hold? Synthetic Poisson arrivals at a known λ, "sleep" tasks with exponentially
// distributed times (mean `serviceMs`) on `workers` workers, the estimates made as the capacity panel makes them
// (CapacityEstimator fed a slice of task events every `refreshMs`, forecastCapacity), against what happened.
struct ForecastScenario {
    double rho = 0.5; // the true utilisation λ / (cμ); 0 with `backlog`: a backlog draining with no arrivals
    int backlog = 0; // tasks added at once after the steady phase (with rho) or at the start (rho 0)
    double seconds = 60; // of arrivals (steady phase)
    int workers = 4;
    double serviceMs = 50;
    int refreshMs = 3000; // the panel's refresh
    unsigned seed = 17;
};

struct ForecastOutcome {
    double trueRho = 0, estimatedRho = 0; // estimatedRho from the 1-min window at the end of the steady phase
    double trueLambda = 0, estimatedLambda = 0, trueMu = 0, estimatedMu = 0;
    int estimatedWorkers = 0;
    // The same 1-min estimates from the same slices read again after the phase, once all their events were
    // committed: what the panel's reads missed at the slices' edges is the difference.
    double settledLambda = 0, settledMu = 0;
    // What was offered: the arrivals' 1-min rate over the same slices counted by their due times (this run's sample
    // of the Poisson process), and 1 / the mean sleep sent.
    double offeredLambda = 0, offeredMu = 0;
    // The baseline: the same refreshes reading up to the moment of reading (the panel before EventSlices), and the
    // offered arrivals' rate over its spans.
    double unsettledLambda = 0, unsettledMu = 0, unsettledOfferedLambda = 0;
    std::optional<double> predictedWqMs, measuredWqMs; // M/M/c on the estimates; mean wait of the phase's starts
    // The measured Wq's 95% confidence half-width by batch means (8 equal spans of the measured phase): how far one
    // run's mean wait may lie from the queue's long-run mean.
    std::optional<double> measuredWqHalfWidthMs;
    // M/M/c's Wq from the true λ and c with μ = 1 / the mean run time measured (sleep overshoot included): the
    // model's prediction without the estimator's sampling error in λ.
    std::optional<double> knownLambdaWqMs;
    // ρ >= 1 (all workers busy): completions per worker per second over the phase's second half, against
    // 1 / the mean run time over the same span. Their ratio is the share of a worker's time spent running tasks.
    std::optional<double> saturatedMu, runMu;
    std::optional<double> predictedLq;
    double measuredLq = 0; // time average of the waiting count (sampled every 100 ms)
    // ρ >= 1: seconds from the first arrival to the first refresh saying "will not drain", per window (1/5/15 min).
    std::optional<double> willNotDrainAfter[3];
    // How many of the phase's refreshes said "will not drain" (1-min window), of how many: at ρ < 1, false alarms.
    int willNotDrainRefreshes = 0, refreshes = 0;
    // ρ >= 1: the queue length at the end as forecast at half time by the fluid model and the design's L(t).
    std::optional<double> lengthAtEnd, fluidLengthAtEnd, designLengthAtEnd;
    // A backlog: its length when forecast, the forecasts, and the measured time until nothing waited.
    double backlogAtForecast = 0;
    std::optional<double> fluidDrainSeconds, designDrainSeconds, measuredDrainSeconds;
};

ForecastOutcome runForecastScenario(const QString& path, const ForecastScenario& scenario);

} // namespace qd::bench
