#pragma once

#include "handlers/commandhandler.h"
#include "handlers/networkpolicy.h"
#include "result.h"

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

namespace qd {

// The settings a database holds for every process that uses it (the `settings` table, schema 11): each known key,
// its type, default and rules. A stored value is JSON; one not stored reads as its default.
enum class SettingType {
    Bool, // true or false
    Days, // a whole number of days, 0..36500; 0 means "keep forever"
    ProgramList, // absolute paths of programs, no duplicates
    HostList, // host names or literal addresses, no duplicates, stored lower-case
};

struct SettingSpec {
    QString key;
    SettingType type;
    QJsonValue defaultValue;
    QString description; // one sentence, for `settings list` and tool tips
};

namespace settingkeys {
inline const QString commandAllowedPrograms = QStringLiteral("command.allowedPrograms");
inline const QString networkRefuseLoopback = QStringLiteral("network.refuseLoopback");
inline const QString networkRefusePrivate = QStringLiteral("network.refusePrivate");
inline const QString networkAllowHosts = QStringLiteral("network.allowHosts");
inline const QString retentionEndedTasksDays = QStringLiteral("retention.endedTasksDays");
inline const QString retentionMetricsDays = QStringLiteral("retention.metricsDays");
} // namespace settingkeys

// Every known setting, in the order `settings list` shows them.
const QList<SettingSpec>& knownSettings();
// Null when `key` is not a known setting.
const SettingSpec* findSetting(const QString& key);

// InvalidArgument naming the key and the rule when `value` is not a valid value of `key` (unknown keys included).
// On success the value in its stored form (host names lower-cased).
Result<QJsonValue> checkedSettingValue(const QString& key, const QJsonValue& value);
// A value as a person types it: true/false (also on/off, yes/no, 1/0) for a flag, a number of days, a list as a
// JSON array or as comma-separated items ("" is the empty list). Then checkedSettingValue().
Result<QJsonValue> parseSettingValue(const QString& key, const QString& text);
// A value as `settings list` and `get` print it: true/false, a number, a list's items joined by ", " (or "(none)").
QString settingValueText(const QJsonValue& value);

// The database's settings as values, every key resolved to its stored value or its default.
// Thread contract: a value type.
struct DatabaseSettings {
    QHash<QString, QJsonValue> stored; // the rows of the table (known keys only, valid values only)

    // A stored value, else the default; Null for an unknown key.
    QJsonValue value(const QString& key) const;
    bool isStored(const QString& key) const { return stored.contains(key); }

    QStringList allowedPrograms() const;
    int endedTasksDays() const;
    int metricsDays() const;
    // The command handler's settings: enabled when the allow-list is not empty.
    CommandHandlerSettings commandSettings() const;
    // NetworkPolicy's defaults with the database's loopback, private and allow-list settings.
    NetworkPolicy networkPolicy() const;

    // From the table's rows (key, JSON text). A row of an unknown key (written by a newer QueueDesk) or with a value
    // that does not pass (edited by hand) is left out, so it reads as the default, and named in `ignored`.
    static DatabaseSettings fromRows(const QList<std::pair<QString, QString>>& rows, QStringList* ignored = nullptr);
};

} // namespace qd
