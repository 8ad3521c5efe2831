// Sources (schema 3): rows of what feeds tasks in from outside (see core/source.h). Adding, pausing, resuming and
// removing one is audited in its transaction.
#include "taskstore_p.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace qd {

using namespace storeimpl;

namespace {

// A URL's password is left out of the audit log, which more people read than the sources table (an AMQP bridge's
// `url` may carry one).
QString withoutPassword(const QString& text)
{
    if (!text.contains(u'@') || !text.contains(QLatin1String("://")))
        return text;
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid()) {
        const qsizetype at = text.lastIndexOf(u'@');
        return QStringLiteral("(a URL with credentials)") + text.mid(at);
    }
    return url.toString(QUrl::RemovePassword);
}

// The audit row's detail of a source: its kind and settings, passwords left out.
QString sourceAuditDetail(const QString& kind, const QByteArray& config)
{
    QJsonObject settings = QJsonDocument::fromJson(config).object();
    for (auto it = settings.begin(); it != settings.end(); ++it) {
        if (it.value().isString())
            it.value() = withoutPassword(it.value().toString());
    }
    QJsonObject detail {{QStringLiteral("kind"), kind}};
    if (!settings.isEmpty())
        detail.insert(QStringLiteral("config"), settings);
    return QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact));
}

} // namespace

Status TaskStore::recordSourceAudit(const QString& action, const QString& name, qint64 now)
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT kind, config FROM sources WHERE name = ?"));
    q.bindValue(0, name);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the sources"));
    if (!q.next()) {
        q.finish();
        return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
    }
    AuditEntry entry;
    entry.at = now;
    entry.action = action;
    entry.target = name;
    entry.detail = sourceAuditDetail(q.value(0).toString(), q.value(1).toString().toUtf8());
    q.finish();
    return recordAudit(entry);
}

Result<QList<SourceRecord>> TaskStore::sources(const QString& kind)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT id, kind, name, config, paused, created_at FROM sources WHERE (? = '' OR kind = ?) ORDER BY name"));
    // A null QString binds as NULL, and "NULL = ''" would match no row: every source is asked for with ''.
    const QString k = kind.isEmpty() ? QStringLiteral("") : kind;
    q.bindValue(0, k);
    q.bindValue(1, k);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the sources"));
    QList<SourceRecord> result;
    while (q.next()) {
        result.append(SourceRecord {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(),
            q.value(3).toString().toUtf8(), q.value(4).toLongLong() != 0, q.value(5).toLongLong()});
    }
    q.finish();
    return result;
}

Status TaskStore::addSource(const SourceRecord& source, qint64 now)
{
    return atomically([&]() -> Status {
        QSqlQuery& find = prepared(QStringLiteral("SELECT count(*) FROM sources WHERE name = ?"));
        find.bindValue(0, source.name);
        if (!find.exec() || !find.next())
            return sqlError(find.lastError(), QStringLiteral("Cannot read the sources"));
        const bool taken = find.value(0).toLongLong() > 0;
        find.finish();
        if (taken)
            return Error {ErrorCode::InvalidArgument, QStringLiteral("There is already a source %1").arg(source.name)};
        QSqlQuery& q = prepared(
            QStringLiteral("INSERT INTO sources(kind, name, config, paused, created_at) VALUES (?, ?, ?, ?, ?)"));
        q.bindValue(0, source.kind);
        q.bindValue(1, source.name);
        q.bindValue(2, QString::fromUtf8(source.config));
        q.bindValue(3, source.paused ? 1 : 0);
        q.bindValue(4, now);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot add the source %1").arg(source.name));
        return recordSourceAudit(auditaction::sourceAdd, source.name, now);
    });
}

Status TaskStore::removeSource(const QString& name)
{
    return atomically([&]() -> Status {
        // Recorded first, while the row is there to say what was removed (NotFound when it is not).
        if (Status audited = recordSourceAudit(auditaction::sourceRemove, name, QDateTime::currentMSecsSinceEpoch());
            !audited)
            return audited;
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM sources WHERE name = ?"));
        q.bindValue(0, name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot remove the source %1").arg(name));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
        // An events-out source's place in the history goes with it (a source added again starts afresh), and so
        // do the states processes recorded for it.
        for (const QString& table : {QStringLiteral("source_cursors"), QStringLiteral("source_states")}) {
            QSqlQuery& other = prepared(QStringLiteral("DELETE FROM %1 WHERE source_name = ?").arg(table));
            other.bindValue(0, name);
            if (!other.exec())
                return sqlError(other.lastError(), QStringLiteral("Cannot remove the source %1").arg(name));
        }
        return success();
    });
}

Result<SourceTaskStats> TaskStore::sourceTaskStats(const QString& keyPrefix, qint64 nowMs)
{
    if (keyPrefix.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A source's key prefix cannot be empty")};
    // The prefix as a range, so SQLite walks the idempotency index (binary collation); substr() keeps the answer
    // right where a collation orders differently (PostgreSQL's default locales ignore punctuation).
    QString upper = keyPrefix;
    upper.back() = QChar(upper.back().unicode() + 1);
    const QString inRange = isPostgres() ? QStringLiteral("idempotency_key IS NOT NULL")
                                         : QStringLiteral("idempotency_key >= ? AND idempotency_key < ?");
    const QString where = QStringLiteral(" FROM tasks WHERE %1 AND substr(idempotency_key, 1, %2) = ?")
                              .arg(inRange)
                              .arg(keyPrefix.size());
    const auto bindPrefix = [&](QSqlQuery& q, int first) {
        if (!isPostgres()) {
            q.bindValue(first++, keyPrefix);
            q.bindValue(first++, upper);
        }
        q.bindValue(first, keyPrefix);
    };
    QSqlQuery& counts = prepared(QStringLiteral("SELECT coalesce(sum(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),"
                                                " coalesce(sum(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),"
                                                " coalesce(sum(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0)")
        + where);
    counts.bindValue(0, nowMs - 60'000);
    counts.bindValue(1, nowMs - 300'000);
    bindPrefix(counts, 2);
    if (!counts.exec() || !counts.next())
        return sqlError(counts.lastError(), QStringLiteral("Cannot count the tasks of a source"));
    SourceTaskStats stats;
    stats.createdLastMinute = counts.value(0).toLongLong();
    stats.createdLastFiveMinutes = counts.value(1).toLongLong();
    stats.failed = counts.value(2).toLongLong();
    counts.finish();
    if (stats.failed > 0) {
        // max(id) rather than ORDER BY id: an order by id would walk the whole table backwards instead of the range.
        QSqlQuery& last = prepared(QStringLiteral("SELECT last_error FROM tasks WHERE id = (SELECT max(id)") + where
            + QStringLiteral(" AND state = 'failed')"));
        bindPrefix(last, 0);
        if (!last.exec())
            return sqlError(last.lastError(), QStringLiteral("Cannot read the tasks of a source"));
        if (last.next())
            stats.lastError = last.value(0).toString();
        last.finish();
    }
    return stats;
}

Result<QList<std::pair<qint64, qint64>>> TaskStore::sourceTasksCreated(
    const QString& keyPrefix, qint64 fromMs, qint64 toMs, qint64 bucketMs)
{
    if (keyPrefix.isEmpty() || bucketMs <= 0)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A source's key prefix and bucket cannot be empty")};
    QString upper = keyPrefix;
    upper.back() = QChar(upper.back().unicode() + 1);
    // The same prefix test as sourceTaskStats.
    const QString inRange = isPostgres() ? QStringLiteral("idempotency_key IS NOT NULL")
                                         : QStringLiteral("idempotency_key >= ? AND idempotency_key < ?");
    QSqlQuery& q = prepared(QStringLiteral("SELECT created_at / ? AS bucket, count(*) FROM tasks WHERE %1"
                                           " AND substr(idempotency_key, 1, %2) = ? AND created_at >= ?"
                                           " AND created_at < ? GROUP BY bucket ORDER BY bucket")
                                .arg(inRange)
                                .arg(keyPrefix.size()));
    int i = 0;
    q.bindValue(i++, bucketMs);
    if (!isPostgres()) {
        q.bindValue(i++, keyPrefix);
        q.bindValue(i++, upper);
    }
    q.bindValue(i++, keyPrefix);
    q.bindValue(i++, fromMs);
    q.bindValue(i++, toMs);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot count the tasks of a source"));
    QList<std::pair<qint64, qint64>> buckets;
    while (q.next())
        buckets.append({q.value(0).toLongLong() * bucketMs, q.value(1).toLongLong()});
    q.finish();
    return buckets;
}

Status TaskStore::setSourcePaused(const QString& name, bool paused)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE sources SET paused = ? WHERE name = ?"));
        q.bindValue(0, paused ? 1 : 0);
        q.bindValue(1, name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot change the source %1").arg(name));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
        // An events-out source's place in the history goes with it (a source added again starts afresh).
        QSqlQuery& cursor = prepared(QStringLiteral("DELETE FROM source_cursors WHERE source_name = ?"));
        cursor.bindValue(0, name);
        if (!cursor.exec())
            return sqlError(cursor.lastError(), QStringLiteral("Cannot remove the source %1").arg(name));
        return recordSourceAudit(
            paused ? auditaction::sourcePause : auditaction::sourceResume, name, QDateTime::currentMSecsSinceEpoch());
    });
}

} // namespace qd
