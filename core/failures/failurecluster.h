#pragma once
// Failure clusters (issue 18): failed attempts grouped by the signature of their error (see errorsignature.h).

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace qd {

// Which failed attempts TaskStore::failureClusters() reads. Failed attempts are the history's `failed`,
// `retry_scheduled` and `lease_expired` events, so a task that failed and was retried counts every attempt.
struct FailureClusterQuery {
    QStringList queues; // empty: every queue
    qint64 since = 0; // attempts that failed at or after this time (ms since the epoch); 0: all
    QString signatureId; // empty: every cluster; else only this one (FailureCluster::signatureId)
    int limit = 0; // the newest `limit` clusters; 0: all
    bool withTaskIds = false; // fill FailureCluster::taskIds (to act on a cluster)
};

struct FailureCluster {
    QString signatureId; // errorSignatureId(signature)
    QString signature; // the normalised error text; "encrypted" for errors this process cannot open
    qint64 count = 0; // failed attempts
    qint64 taskCount = 0; // distinct tasks
    qint64 firstSeen = 0;
    qint64 lastSeen = 0;
    QStringList queues; // sorted
    QStringList types; // sorted; a purged task's type is unknown and left out
    qint64 sampleTaskId = 0; // the task of the newest attempt
    QString sampleError; // its error as written
    bool encrypted = false; // the errors are sealed and did not open here
    QList<qint64> taskIds; // ascending, when FailureClusterQuery::withTaskIds
};

} // namespace qd

Q_DECLARE_METATYPE(qd::FailureCluster)
