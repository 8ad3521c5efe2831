#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli failures`: failed attempts grouped by error signature, newest first (TaskStore::failureClusters),
// and the cluster that retry/cancel/purge --cluster act on. Thread contract: main thread.
class FailuresCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
    // The filter that selects exactly the tasks of cluster `signatureId` (NotFound when there is no such cluster).
    static Result<TaskFilter> clusterFilter(CliContext& context, const QString& signatureId);
};

} // namespace qd::cli
