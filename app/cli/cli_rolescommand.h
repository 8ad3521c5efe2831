#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli roles install [--dry-run] | grant LOGIN ROLE [--dry-run] | list`: the three group roles of a
// PostgreSQL or MariaDB database (core/accessroles.h): install creates them and grants them on the tables the schema
// has now (run it again after an upgrade), grant gives a login one of them, list shows who holds which.
// Thread contract: main thread.
class RolesCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
