#pragma once

#include "core/accessroles.h"

#include <QStringList>

class QCommandLineParser;

namespace qd::cli {

// The least access level (core/accessroles.h) a command needs, by its name and arguments: checked when the command
// opens the database, so a login whose role may not run it is refused before anything is tried.
AccessLevel accessNeeded(const QString& command, const QCommandLineParser& parser);

// What a command does in words, for the refusal ("retry tasks", "change the database's settings").
QString accessRefusal(const QString& command, AccessLevel have, AccessLevel need);

} // namespace qd::cli
