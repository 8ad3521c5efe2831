// Failure clusters: the history's failed attempts, their errors opened and normalised, grouped by signature.
#include "core/crypto/sealedvalue.h"
#include "core/failures/errorsignature.h"
#include "storeencryption.h"
#include "taskstore_p.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace qd {

using namespace storeimpl;

namespace {

struct ClusterBuilder {
    FailureCluster cluster;
    QSet<QString> queues, types;
    QList<qint64> taskIds; // as read, duplicates included
    qint64 sampleAt = 0;
};

} // namespace

Result<QList<FailureCluster>> TaskStore::failureClusters(const FailureClusterQuery& query)
{
    WhereClause where;
    where.add(QStringLiteral("e.kind IN ('failed', 'retry_scheduled', 'lease_expired')"));
    if (query.since > 0)
        where.add(QStringLiteral("e.at >= ?"), {query.since});
    where.addIn(QStringLiteral("e.queue"), query.queues, [](const QString& q) { return QVariant(q); });
    StoreStatement q = statement(QStringLiteral("SELECT e.task_id, e.queue, e.at, e.detail, t.type"
                                                " FROM task_events e LEFT JOIN tasks t ON t.id = e.task_id WHERE ")
        + where.sql);
    bindAll(q, where.values);

    QHash<QString, int> bySignature; // signature -> index into builders
    QHash<QString, int> byText; // raw error text -> index: most failures repeat a text exactly
    QList<ClusterBuilder> builders;
    while (q.next()) {
        const qint64 taskId = q.integer(0);
        const qint64 at = q.integer(2);
        QString detail = q.text(3);
        int index = byText.value(detail, -1);
        if (index < 0) {
            const QString raw = detail;
            bool encrypted = false;
            if (m_encryption && crypto::isSealed(raw.toLatin1())) {
                const Result<QByteArray> opened
                    = m_encryption->openField(SealedField::EventDetail, taskId, raw.toLatin1());
                encrypted = !opened.ok();
                detail = encrypted ? QStringLiteral("encrypted") : QString::fromUtf8(*opened);
            }
            const QString signature = encrypted ? QStringLiteral("encrypted") : errorSignature(detail);
            index = bySignature.value(signature, -1);
            if (index < 0) {
                index = int(builders.size());
                bySignature.insert(signature, index);
                ClusterBuilder builder;
                builder.cluster.signature = signature;
                builder.cluster.signatureId = errorSignatureId(signature);
                builder.cluster.encrypted = encrypted;
                builders.append(std::move(builder));
            }
            // Sealed texts differ per task and never repeat: only plain ones are worth remembering.
            if (!raw.startsWith(QLatin1String("qdenc1:")) && byText.size() < 100000)
                byText.insert(raw, index);
        }
        ClusterBuilder& b = builders[index];
        FailureCluster& c = b.cluster;
        ++c.count;
        c.firstSeen = c.firstSeen == 0 ? at : std::min(c.firstSeen, at);
        c.lastSeen = std::max(c.lastSeen, at);
        if (at >= b.sampleAt) {
            b.sampleAt = at;
            c.sampleTaskId = taskId;
            c.sampleError = detail;
        }
        b.queues.insert(q.text(1));
        if (!q.isNull(4))
            b.types.insert(q.text(4));
        b.taskIds.append(taskId);
    }
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the failed attempts"));

    QList<FailureCluster> clusters;
    clusters.reserve(builders.size());
    for (ClusterBuilder& b : builders) {
        FailureCluster& c = b.cluster;
        if (!query.signatureId.isEmpty() && c.signatureId != query.signatureId)
            continue;
        std::sort(b.taskIds.begin(), b.taskIds.end());
        b.taskIds.erase(std::unique(b.taskIds.begin(), b.taskIds.end()), b.taskIds.end());
        c.taskCount = b.taskIds.size();
        if (query.withTaskIds)
            c.taskIds = std::move(b.taskIds);
        c.queues = QStringList(b.queues.begin(), b.queues.end());
        c.queues.sort();
        c.types = QStringList(b.types.begin(), b.types.end());
        c.types.sort();
        clusters.append(std::move(c));
    }
    std::sort(clusters.begin(), clusters.end(), [](const FailureCluster& a, const FailureCluster& b) {
        return a.lastSeen != b.lastSeen ? a.lastSeen > b.lastSeen : a.signatureId < b.signatureId;
    });
    if (query.limit > 0 && clusters.size() > query.limit)
        clusters.resize(query.limit);
    return clusters;
}

} // namespace qd
