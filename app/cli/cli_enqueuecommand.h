#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli enqueue`: one task from flags, or many from a JSON Lines file (stored in batches of 1000).
// Thread contract: main thread.
class EnqueueCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
