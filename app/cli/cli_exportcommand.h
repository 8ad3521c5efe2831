#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli export tasks|events|metrics`: CSV or JSON Lines to a file (written whole or not at all) or
// stdout; SIGINT cancels. Thread contract: main thread.
class ExportCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
