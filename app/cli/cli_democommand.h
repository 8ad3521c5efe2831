#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli demo`: generates input files (images, access logs) next to the database and enqueues a realistic
// mixed workload (thumbnails, crops, log summaries, sleeps, a few deliberate failures, and webhook notifications when
// --sink-url names a receiver), so that `work` or the GUI has real activity to show.
// Thread contract: main thread.
class DemoCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
