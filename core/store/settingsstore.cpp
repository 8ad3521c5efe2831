// The database's settings (schema 11): the `settings` table's rows, read whole and written one key at a time.
#include "taskstore_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

using namespace storeimpl;

namespace {

// A JSON value as text: the value's own form ("true", "30", "[\"/bin/true\"]"), not wrapped in a document.
QString jsonText(const QJsonValue& value)
{
    const QByteArray wrapped = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

} // namespace

Result<QList<std::pair<QString, QString>>> TaskStore::settingRows()
{
    QList<std::pair<QString, QString>> rows;
    if (!schemaHas(settingsSchemaVersion))
        return rows;
    QSqlQuery& q = prepared(QStringLiteral("SELECT name, value_json FROM settings ORDER BY name"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the database's settings"));
    while (q.next())
        rows.append({q.value(0).toString(), q.value(1).toString()});
    q.finish();
    return rows;
}

Result<DatabaseSettings> TaskStore::databaseSettings()
{
    auto rows = settingRows();
    if (!rows)
        return rows.error();
    return DatabaseSettings::fromRows(*rows);
}

// Every change of a database setting goes through here (the CLI, the Settings dialog, tests): the one place an
// audit log records it, in the same transaction.
Status TaskStore::setSetting(const QString& key, const std::optional<QJsonValue>& value, qint64 now)
{
    std::optional<QJsonValue> checked;
    if (value) {
        auto valid = checkedSettingValue(key, *value);
        if (!valid)
            return valid.error();
        checked = *valid;
    } else if (!findSetting(key)) {
        return checkedSettingValue(key, QJsonValue()).error();
    }
    if (isReadOnly())
        return Error {
            ErrorCode::ReadOnly, QStringLiteral("The database is open read-only: %1 was not changed").arg(key)};
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(checked ? QStringLiteral("INSERT INTO settings(name, value_json, updated_at)"
                                                         " VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
                                                         " value_json = excluded.value_json,"
                                                         " updated_at = excluded.updated_at")
                                        : QStringLiteral("DELETE FROM settings WHERE name = ?"));
        q.bindValue(0, key);
        if (checked) {
            q.bindValue(1, jsonText(*checked));
            q.bindValue(2, now);
        }
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot change the setting %1").arg(key));
        AuditEntry entry;
        entry.at = now;
        entry.action = auditaction::settings;
        entry.target = key;
        entry.detail = QString::fromUtf8(
            QJsonDocument(QJsonObject {{QStringLiteral("value"), checked ? *checked : QJsonValue(QJsonValue::Null)}})
                .toJson(QJsonDocument::Compact));
        return recordAudit(entry);
    });
}

} // namespace qd
