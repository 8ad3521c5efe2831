#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli audit`: the audit log, newest first (TaskStore::auditEntries): who did which admin action, when,
// on what, with which filter and how many tasks. Thread contract: main thread.
class AuditCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
