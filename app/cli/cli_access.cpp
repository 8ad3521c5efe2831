#include "cli_access.h"

#include <QCommandLineParser>

namespace qd::cli {

namespace {

bool isOneOf(const QString& word, std::initializer_list<const char*> words)
{
    for (const char* w : words) {
        if (word == QLatin1String(w))
            return true;
    }
    return false;
}

} // namespace

AccessLevel accessNeeded(const QString& command, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    // A dry run only counts what would change.
    if (parser.optionNames().contains(QStringLiteral("dry-run")) && parser.isSet(QStringLiteral("dry-run"))
        && command != u"roles")
        return AccessLevel::Viewer;
    // The operator's work: tasks in, retried, run now, cancelled, queues paused and resumed, workers and monitors.
    if (isOneOf(command, {"enqueue", "retry", "cancel", "pause", "resume", "work", "monitor", "demo"}))
        return AccessLevel::Operator;
    if (command == u"bridge" && action == u"amqp") // one bridge in the foreground: enqueues
        return AccessLevel::Operator;
    // The admin's: deleting tasks, settings, keys, alert rules, sources, queue settings, roles.
    if (isOneOf(command, {"purge", "require-signed", "set-concurrency"}))
        return AccessLevel::Admin;
    if (command == u"settings")
        return isOneOf(action, {"set", "unset"}) ? AccessLevel::Admin : AccessLevel::Viewer;
    if (command == u"keys")
        return isOneOf(action, {"status", "list", "new-producer"}) ? AccessLevel::Viewer : AccessLevel::Admin;
    if (command == u"alerts")
        return isOneOf(action, {"list", "history"}) ? AccessLevel::Viewer : AccessLevel::Admin;
    if (isOneOf(command, {"spool", "bridge", "events-out"}))
        return action == u"list" ? AccessLevel::Viewer : AccessLevel::Admin;
    if (command == u"roles")
        return action == u"list" ? AccessLevel::Viewer : AccessLevel::Admin;
    return AccessLevel::Viewer; // list, show, stats, failures, audit, export, workers
}

QString accessRefusal(const QString& command, AccessLevel have, AccessLevel need)
{
    return QStringLiteral("Refused: `%1` needs the %2 role, and this login is %3 %4 on this database (nothing was "
                          "changed). An admin can run: queuedesk-cli roles grant LOGIN %2")
        .arg(command, accessLevelName(need), have == AccessLevel::Viewer ? QStringLiteral("a") : QStringLiteral("an"),
            accessLevelName(have));
}

} // namespace qd::cli
