#pragma once

#include <QString>

#include <functional>

namespace qd::bench {

// What a drain by worker processes needs from the server's own client (B12 on PostgreSQL, B21 on MariaDB): the
// commit that resumes the paused queue "default" as the product's own resume does, and counts read in the database.
struct DrainControl {
    QString server; // "PostgreSQL", for messages
    std::function<void()> prepareResume; // the resuming transaction up to its commit
    std::function<void()> commitResume; // the clock starts just before this
    std::function<qint64()> succeeded;
    std::function<qint64()> notSucceeded;
};

// Starts `processes` worker processes (`cli` --db URL work --concurrency `threads`), waits until each says it is
// working, resumes the queue and times until every task succeeded (counted in the database). Returns tasks/s.
double processDrainRate(
    const QString& cli, const QString& url, int expected, int processes, int threads, const DrainControl& control);

} // namespace qd::bench
