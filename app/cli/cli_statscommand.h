#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli stats`: counts per queue and state and recent throughput, read from the store (no engine).
// Thread contract: main thread.
class StatsCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
