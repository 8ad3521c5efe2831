// Sources (schema 3): rows of what feeds tasks in from outside (see core/source.h).
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

Result<QList<SourceRecord>> TaskStore::sources(const QString& kind)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT id, kind, name, config, paused, created_at FROM sources WHERE (? = '' OR kind = ?) ORDER BY name"));
    q.bindValue(0, kind);
    q.bindValue(1, kind);
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
        return success();
    });
}

Status TaskStore::removeSource(const QString& name)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM sources WHERE name = ?"));
        q.bindValue(0, name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot remove the source %1").arg(name));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
        return success();
    });
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
        return success();
    });
}

} // namespace qd
