#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli alerts list|add|remove|enable|disable|history`: the database's alert rules, which every window and
// monitor sees; and `queuedesk-cli monitor`, the headless evaluator for servers (one process at a time evaluates,
// whichever runs it). Thread contract: main thread.
class AlertCommands {
public:
    static void addAlertsOptions(QCommandLineParser& parser);
    static int runAlerts(CliContext& context, const QCommandLineParser& parser);
    static void addMonitorOptions(QCommandLineParser& parser);
    static int runMonitor(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
