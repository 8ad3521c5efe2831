#include "cli_auditcommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/taskstore.h"

#include <QJsonArray>

namespace qd::cli {

void AuditCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(
        QStringLiteral("since"), QStringLiteral("Only actions at or after this ISO 8601 time."), QStringLiteral("T")));
    parser.addOption(QCommandLineOption(QStringLiteral("action"),
        QStringLiteral("Only this action (%1).").arg(auditActionNames().join(QStringLiteral(", "))),
        QStringLiteral("A")));
    parser.addOption(QCommandLineOption(QStringLiteral("limit"),
        QStringLiteral("At most N rows, newest first (default 100; 0: all)."), QStringLiteral("N")));
}

int AuditCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("audit");
    AuditQuery query;
    if (parser.isSet(QStringLiteral("since"))) {
        const std::optional<qint64> since = ExportCodec::parseIsoTime(parser.value(QStringLiteral("since")));
        if (!since) {
            return context.usageError(QStringLiteral("--since must be an ISO 8601 time such as 2026-11-25T12:00:00Z, "
                                                     "not \"%1\".")
                                          .arg(parser.value(QStringLiteral("since"))),
                command);
        }
        query.since = *since;
    }
    query.action = parser.value(QStringLiteral("action"));
    if (!query.action.isEmpty() && !auditActionNames().contains(query.action)) {
        return context.usageError(QStringLiteral("Unknown action \"%1\" (one of %2).")
                                      .arg(query.action, auditActionNames().join(QStringLiteral(", "))),
            command);
    }
    const Result<qint64> limit = CommandOptions::integer(parser, QStringLiteral("limit"), 100, 0, 1'000'000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), command);
    query.limit = int(limit.value());

    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<QList<AuditEntry>> entries = store.value()->auditEntries(query);
    if (!entries.ok())
        return context.fail(entries.error());
    if (context.json()) {
        QJsonArray list;
        for (const AuditEntry& e : entries.value())
            list.append(ExportCodec::auditToJson(e));
        context.printJson(list);
        return ExitOk;
    }
    if (entries->isEmpty()) {
        context.out() << "No admin actions recorded." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("ID"), QStringLiteral("AT"), QStringLiteral("WHO"),
        QStringLiteral("CLIENT"), QStringLiteral("ACTION"), QStringLiteral("TARGET"), QStringLiteral("COUNT"),
        QStringLiteral("FILTER"), QStringLiteral("DETAIL")}};
    for (const AuditEntry& e : entries.value()) {
        QString who = e.actor + QLatin1Char('@') + e.host;
        if (!e.dbRole.isEmpty())
            who += QStringLiteral(" (%1)").arg(e.dbRole);
        rows.append({QString::number(e.id), ExportCodec::isoTime(e.at), who, e.client, e.action, oneLine(e.target, 40),
            e.count < 0 ? QString() : QString::number(e.count), oneLine(e.filter, 60), oneLine(e.detail, 60)});
    }
    printTable(context.out(), rows);
    return ExitOk;
}

} // namespace qd::cli
