#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli retry`, `cancel` and `purge`: admin actions on tasks by id or filter, with --dry-run counting
// exactly the tasks each would change. Thread contract: main thread.
class BulkCommands {
public:
    static void addOptions(QCommandLineParser& parser);
    static int runRetry(CliContext& context, const QCommandLineParser& parser);
    static int runCancel(CliContext& context, const QCommandLineParser& parser);
    static int runPurge(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
