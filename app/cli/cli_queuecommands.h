#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli pause`, `resume` and `set-concurrency`: a queue's settings, which every process's workers follow.
// Thread contract: main thread.
class QueueCommands {
public:
    static void addAllOption(QCommandLineParser& parser);
    static int runPause(CliContext& context, const QCommandLineParser& parser);
    static int runResume(CliContext& context, const QCommandLineParser& parser);
    static int runSetConcurrency(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
