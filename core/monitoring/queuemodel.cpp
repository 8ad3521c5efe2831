#include "queuemodel.h"

#include <algorithm>
#include <cmath>

namespace qd::queuemodel {

double erlangC(int c, double a)
{
    if (c <= 0 || a >= c)
        return 1;
    if (a <= 0)
        return 0;
    double b = 1; // Erlang B for 0 servers
    for (int k = 1; k <= c; ++k)
        b = a * b / (k + a * b);
    return c * b / (c - a * (1 - b));
}

MmcPrediction mmc(double lambda, double mu, int c)
{
    MmcPrediction p;
    if (mu <= 0 || c <= 0) {
        p.utilisation = lambda > 0 ? INFINITY : 0;
        return p;
    }
    const double a = lambda / mu;
    p.utilisation = a / c;
    p.stable = p.utilisation < 1;
    if (!p.stable)
        return p;
    p.waitProbability = erlangC(c, a);
    p.meanWaitSeconds = lambda > 0 ? p.waitProbability / (c * mu - lambda) : 0;
    p.meanQueued = lambda * p.meanWaitSeconds;
    p.meanInSystem = p.meanQueued + a;
    return p;
}

double designLength(double length0, double lambda, double mu, double t)
{
    // (1 − e^(−μt)) / μ tends to t as μ tends to 0: with no service the queue grows at λ.
    const double grown = mu > 0 ? (lambda - mu) * -std::expm1(-mu * t) / mu : lambda * t;
    return std::max(0.0, length0 + grown);
}

std::optional<double> designDrainSeconds(double length0, double lambda, double mu)
{
    if (length0 <= 0)
        return 0.0;
    if (mu <= lambda)
        return std::nullopt;
    // L(0) + (λ − μ)(1 − e^(−μt)) / μ = 0  <=>  e^(−μt) = 1 − L(0)μ / (μ − λ)
    const double remaining = 1 - length0 * mu / (mu - lambda);
    if (remaining <= 0)
        return std::nullopt;
    return -std::log(remaining) / mu;
}

double fluidLength(double length0, double lambda, double mu, int c, double t)
{
    return std::max(0.0, length0 + (lambda - c * mu) * t);
}

std::optional<double> fluidDrainSeconds(double length0, double lambda, double mu, int c)
{
    const double spare = c * mu - lambda;
    if (length0 <= 0 && spare >= 0)
        return 0.0;
    if (spare <= 0)
        return std::nullopt;
    return length0 / spare;
}

int workersToDrainWithin(double length0, double lambda, double mu, double seconds)
{
    if (mu <= 0 || seconds <= 0)
        return 1;
    const double needed = (std::max(0.0, length0) / seconds + std::max(0.0, lambda)) / mu;
    // The smallest c with cμ − λ >= L(0)/seconds, and more than λ/μ so the queue does not grow.
    int c = std::max(1, int(std::ceil(needed - 1e-9)));
    if (c * mu <= lambda)
        ++c;
    return c;
}

} // namespace qd::queuemodel
