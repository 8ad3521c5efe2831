#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli spool add NAME --dir DIR [--type T --pattern GLOB --payload-template JSON --queue Q] | list |
// remove NAME | pause NAME | resume NAME`: the spool rows of the `sources` table. `work` runs them.
// Thread contract: main thread.
class SpoolCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
