#pragma once

#include "../result.h"
#include "../task.h"

#include <QList>
#include <QString>
#include <QUrl>

namespace qd {

// Builds a realistic mixed workload for demos and load tests: it generates input files in a scratch directory
// (gradient images as JPEG/PNG, web access logs plain and gzip-compressed) and returns the tasks to enqueue:
// image thumbnails and crops, log summaries, webhook notifications to a sink, sleeps (some delayed, so they show as
// scheduled), and a few tasks that fail on purpose (missing or corrupt input, a 503 or 404 from the sink, a sleep
// asked to fail). Those carry a "note" field in their payload saying why they fail; handlers ignore it.
//
// Outputs of the tasks go to <scratch>/out. The same seed gives the same files and tasks.
//
// Thread contract: a plain object, used from one thread at a time. build() writes a few megabytes of files, so call
// it off the GUI thread.
class DemoWorkload {
public:
    struct Options {
        int images = 12;
        int logs = 2; // the second and every other one after it are gzip-compressed
        int logLines = 20000;
        int sleeps = 10;
        QUrl sinkUrl; // webhook target (in the tests, a WebhookSink); empty: no notify tasks
        int notifications = 10;
        bool includeFailures = true;
        quint32 seed = 1;
    };

    explicit DemoWorkload(QString scratchDirectory);

    Result<QList<NewTask>> build(const Options& options);
    // Same, with the default options and a sink.
    Result<QList<NewTask>> build(const QUrl& sinkUrl);

    QString scratchDirectory() const { return m_scratchDirectory; }

private:
    QString m_scratchDirectory;
};

} // namespace qd
