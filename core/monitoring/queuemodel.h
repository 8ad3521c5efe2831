#pragma once

#include <optional>

namespace qd::queuemodel {

// The queueing formulas QueueDesk forecasts with: pure functions, any thread. Rates are per second, times in
// seconds, lengths in tasks. λ: arrivals per second; μ: completions per second of one worker; c: workers.

// Erlang C: the probability that an arriving task waits, for c servers and offered load a = λ/μ (a < c). 1 when
// a >= c (the queue grows without bound). Computed through the Erlang B recursion, stable for thousands of servers.
double erlangC(int c, double a);

// M/M/c in steady state: Poisson arrivals, exponential service, c workers, first come first served.
struct MmcPrediction {
    double utilisation = 0; // ρ = λ / (cμ)
    bool stable = false; // ρ < 1: the queue has a steady state; otherwise the rest are left at 0
    double waitProbability = 0; // Erlang C
    double meanWaitSeconds = 0; // Wq
    double meanQueued = 0; // Lq: tasks waiting, not running
    double meanInSystem = 0; // L = Lq + λ/μ (Little's law: L = λW)
};
MmcPrediction mmc(double lambda, double mu, int c);

// The design's model: L(t) = L(0) + ∫₀ᵗ (λ − μ) e^(−μ(t−s)) ds = L(0) + (λ − μ)(1 − e^(−μt)) / μ, with μ the
// service rate of the whole queue (every worker: cμ). Never below 0: a queue cannot be shorter than empty.
double designLength(double length0, double lambda, double mu, double t);
// When designLength reaches 0; nothing when it never does (its limit, L(0) − 1 + λ/μ, is above 0).
std::optional<double> designDrainSeconds(double length0, double lambda, double mu);

// The fluid model: the backlog shrinks at the spare capacity, L(t) = max(0, L(0) + (λ − cμ) t).
double fluidLength(double length0, double lambda, double mu, int c, double t);
// L(0) / (cμ − λ); 0 for an empty queue; nothing when cμ <= λ and there is a backlog or arrivals (it never drains).
std::optional<double> fluidDrainSeconds(double length0, double lambda, double mu, int c);

// The fewest workers that drain length0 within `seconds` by the fluid model while λ keeps arriving (at least 1).
int workersToDrainWithin(double length0, double lambda, double mu, double seconds);

} // namespace qd::queuemodel
