#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli workers`: every process that runs workers on the database (its heartbeat row), with the tasks it
// runs, and whether it still beats (ok) or stopped beating (lost). Thread contract: main thread.
class WorkersCommand {
public:
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
