#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli work`: runs a QueueEngine with workers, headless, until SIGINT or SIGTERM, then stops
// gracefully (running tasks get the grace period to finish, then are asked to stop and given back).
// Thread contract: main thread; it runs the event loop until stopped.
class WorkCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
