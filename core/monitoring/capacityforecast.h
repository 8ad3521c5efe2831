#pragma once

#include "queuemodel.h"

#include <QString>

#include <optional>

namespace qd {

// What a queue's measured rates say about its future: the inputs an admin sees in the capacity panel and in
// `queuedesk-cli stats --capacity`, the models' predictions, and one plain sentence. Pure values, any thread.
struct CapacityInputs {
    double queued = 0; // L(0): tasks waiting now
    double arrivalsPerSecond = 0; // λ
    double servicePerWorkerPerSecond = 0; // μ: 1 / mean run time of one attempt
    int workers = 0; // c: workers serving the queue, across processes
};

struct CapacityForecast {
    CapacityInputs inputs;
    queuemodel::MmcPrediction mmc;
    std::optional<double> drainSeconds; // the fluid model's time to empty; nothing: it will not drain
    std::optional<double> designDrainSeconds; // the design's L(t) model's
    double excessArrivalsPerSecond = 0; // λ − cμ when positive
    // When it will not drain (or only slowly): the workers that would drain it within ten minutes, and how fast.
    int suggestedWorkers = 0;
    std::optional<double> suggestedDrainSeconds;
    QString sentence; // "drains in about 4 min", "will not drain: ..."
};

CapacityForecast forecastCapacity(const CapacityInputs& inputs);

// "about 40 s", "about 4 min", "about 2.5 h", "about 3 days".
QString aboutDuration(double seconds);

} // namespace qd
