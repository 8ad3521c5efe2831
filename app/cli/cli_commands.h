#pragma once

#include <QStringList>

namespace qd::cli {

// Runs one invocation of queuedesk-cli. `arguments` is argv as a list, the program name first. Returns the exit
// code (see ExitCode in cli_context.h). Thread contract: main thread, with a QCoreApplication alive.
int runCli(const QStringList& arguments);

// The text of `queuedesk-cli --help`, exit codes included.
QString mainHelpText();

} // namespace qd::cli
