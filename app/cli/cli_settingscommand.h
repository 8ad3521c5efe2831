#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli settings [list|get KEY|set KEY VALUE|unset KEY]`: the database's own settings (see
// core/databasesettings.h), shared by every process that uses it. Thread contract: main thread.
class SettingsCommand {
public:
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
