#include "cli_rolescommand.h"

#include "cli_context.h"
#include "cli_output.h"
#include "core/taskstore.h"

#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

// Prints the statements (--dry-run) or runs them.
int printOrRun(CliContext& context, TaskStore& store, const QStringList& statements, bool dryRun, const QString& done)
{
    if (dryRun) {
        if (context.json()) {
            context.printJson(QJsonObject {{QStringLiteral("statements"), QJsonArray::fromStringList(statements)}});
            return ExitOk;
        }
        for (const QString& statement : statements)
            context.out() << statement << ";\n";
        return ExitOk;
    }
    if (Status s = store.runRoleStatements(statements); !s)
        return context.fail(s.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("statements"), int(statements.size())}});
    else
        context.out() << done << '\n';
    return ExitOk;
}

int runList(CliContext& context, TaskStore& store)
{
    const Result<QList<RoleMember>> members = store.roleMembers();
    if (!members)
        return context.fail(members.error());
    const QString self = accessLevelName(store.accessLevel());
    if (context.json()) {
        QJsonArray rows;
        for (const RoleMember& member : *members)
            rows.append(QJsonObject {{QStringLiteral("login"), member.login}, {QStringLiteral("role"), member.role},
                {QStringLiteral("default"), member.defaultRole}});
        context.printJson(QJsonObject {{QStringLiteral("logins"), rows}, {QStringLiteral("thisLogin"), self}});
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("LOGIN"), QStringLiteral("ROLE"), QStringLiteral("DEFAULT")}};
    for (const RoleMember& member : *members)
        rows.append({member.login, member.role, member.defaultRole ? QStringLiteral("yes") : QStringLiteral("no")});
    printTable(context.out(), rows);
    context.out() << "This login: " << self << '\n';
    return ExitOk;
}

} // namespace

void RolesCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(
        QStringLiteral("dry-run"), QStringLiteral("Print the SQL that install or grant would run, and run nothing.")));
}

int RolesCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    const bool valid = (action == u"install" && args.size() == 1) || (action == u"list" && args.size() == 1)
        || (action == u"grant" && args.size() == 3);
    if (!valid)
        return context.usageError(
            QStringLiteral("Use roles install [--dry-run], roles grant LOGIN viewer|operator|admin, or roles list."),
            QStringLiteral("roles"));
    std::optional<AccessLevel> level;
    if (action == u"grant") {
        level = parseAccessLevel(args.at(2));
        if (!level)
            return context.usageError(
                QStringLiteral("Unknown role \"%1\": use viewer, operator or admin.").arg(args.at(2)),
                QStringLiteral("roles"));
    }
    const Result<TaskStore*> opened = context.store();
    if (!opened)
        return context.fail(opened.error());
    TaskStore& store = *opened.value();
    if (action == u"list")
        return runList(context, store);
    if (action == u"install") {
        const Result<QStringList> sql = store.roleInstallSql();
        if (!sql)
            return context.fail(sql.error());
        return printOrRun(context, store, *sql, dryRun,
            QStringLiteral("Roles queuedesk_viewer, queuedesk_operator and queuedesk_admin are installed. Run `roles "
                           "install` again after each upgrade of QueueDesk, so that new tables get their grants."));
    }
    const Result<QStringList> sql = store.roleGrantSql(args.at(1), *level);
    if (!sql)
        return context.fail(sql.error());
    return printOrRun(
        context, store, *sql, dryRun, QStringLiteral("%1 now holds %2.").arg(args.at(1), accessRoleName(*level)));
}

} // namespace qd::cli
