#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli list` and `show`: reading tasks, straight from the store (no engine, works with --read-only).
// Thread contract: main thread.
class ListCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

class ShowCommand {
public:
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
