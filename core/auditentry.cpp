#include "auditentry.h"

#include "osaccount.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>

#include <unistd.h>

namespace qd {

namespace {

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

AuditActor AuditActor::completed() const
{
    AuditActor a = *this;
    if (a.user.isEmpty())
        a.user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    if (a.user.isEmpty()) {
        // No such variable (a service, a container): the account's name, else its number.
        const QString account = processAccountName();
        a.user = !account.isEmpty() ? account : QStringLiteral("uid %1").arg(::geteuid());
    }
    if (a.host.isEmpty())
        a.host = QSysInfo::machineHostName();
    if (a.client.isEmpty())
        a.client = QCoreApplication::instance() ? QCoreApplication::applicationName() : QString();
    if (a.client.isEmpty())
        a.client = QStringLiteral("program");
    return a;
}

const QStringList& auditActionNames()
{
    using namespace auditaction;
    static const QStringList names {enqueue, retry, runNow, cancel, purge, pause, resume, concurrency, queueSettings,
        settings, alertRuleAdd, alertRuleChange, alertRuleRemove, keyAdd, keysRetire, producerKeyAdd, producerKeyRevoke,
        requireSigned, sourceAdd, sourcePause, sourceResume, sourceRemove, processForget};
    return names;
}

QString auditFilterText(const TaskFilter& filter)
{
    constexpr qsizetype listedIds = 20;
    QJsonObject o;
    if (!filter.ids.isEmpty()) {
        if (filter.ids.size() <= listedIds) {
            QJsonArray ids;
            for (qint64 id : filter.ids)
                ids.append(id);
            o.insert(QStringLiteral("ids"), ids);
        } else {
            o.insert(QStringLiteral("ids"),
                QJsonObject {{QStringLiteral("count"), qint64(filter.ids.size())},
                    {QStringLiteral("first"), filter.ids.constFirst()},
                    {QStringLiteral("last"), filter.ids.constLast()}});
        }
    }
    if (!filter.queues.isEmpty())
        o.insert(QStringLiteral("queues"), QJsonArray::fromStringList(filter.queues));
    if (!filter.states.isEmpty()) {
        QJsonArray states;
        for (TaskState s : filter.states)
            states.append(taskStateName(s));
        o.insert(QStringLiteral("states"), states);
    }
    if (!filter.types.isEmpty())
        o.insert(QStringLiteral("types"), QJsonArray::fromStringList(filter.types));
    if (!filter.search.isEmpty())
        o.insert(QStringLiteral("search"), filter.search);
    if (filter.createdFrom > 0)
        o.insert(QStringLiteral("created_from"), isoTime(filter.createdFrom));
    if (filter.createdTo > 0)
        o.insert(QStringLiteral("created_to"), isoTime(filter.createdTo));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace qd
