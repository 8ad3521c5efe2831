#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli pause`, `resume`, `set-concurrency` and `require-signed`: a queue's settings, which every process's
// workers follow. Thread contract: main thread.
class QueueCommands {
public:
    static void addAllOption(QCommandLineParser& parser);
    static int runPause(CliContext& context, const QCommandLineParser& parser);
    static int runResume(CliContext& context, const QCommandLineParser& parser);
    static int runSetConcurrency(CliContext& context, const QCommandLineParser& parser);
    static int runRequireSigned(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
