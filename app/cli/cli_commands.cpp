#include "cli_commands.h"

#include "cli_access.h"
#include "cli_alertcommands.h"
#include "cli_auditcommand.h"
#include "cli_bridgecommand.h"
#include "cli_bulkcommands.h"
#include "cli_context.h"
#include "cli_democommand.h"
#include "cli_enqueuecommand.h"
#include "cli_eventsoutcommand.h"
#include "cli_exportcommand.h"
#include "cli_failurescommand.h"
#include "cli_keyscommand.h"
#include "cli_queuecommands.h"
#include "cli_rolescommand.h"
#include "cli_settingscommand.h"
#include "cli_spoolcommand.h"
#include "cli_statscommand.h"
#include "cli_taskreadcommands.h"
#include "cli_workcommand.h"
#include "cli_workerscommand.h"
#include "core/storeoptions.h"

#include <QCoreApplication>
#include <QDir>

namespace qd::cli {

namespace {

// One command of queuedesk-cli: its help and the functions that add its options and run it.
struct Command {
    QString name;
    QString syntax; // what follows the name in the usage line
    QString summary;
    QString details; // extra help text after the options
    int minArgs = 0;
    int maxArgs = 0; // -1: any number
    void (*addOptions)(QCommandLineParser&) = nullptr;
    int (*run)(CliContext&, const QCommandLineParser&) = nullptr;
};

void noOptions(QCommandLineParser&) { }

const QList<Command>& commands()
{
    static const QList<Command> list {
        {QStringLiteral("enqueue"), QStringLiteral("--type TYPE [options] | --file PATH|-"),
            QStringLiteral("Add one task from flags, or many from a JSON Lines file."),
            QStringLiteral(
                "Each line of --file is a JSON object: {\"queue\", \"type\", \"payload\" (an object), \"priority\",\n"
                "\"delayMs\", \"runAt\", \"maxAttempts\", \"timeoutMs\", \"idempotencyKey\"}; only \"type\" is "
                "required.\n"
                "A payload may hold 1 MiB (1048576 bytes, as compact JSON), a line 2 MiB; a longer line is refused\n"
                "as soon as it is read that far.\n"
                "Lines are stored in batches of 1000, each batch all or nothing. A bad line stops the command with\n"
                "exit code 5 and its line number; the batches before it stay stored, nothing from its batch does."),
            0, 0, EnqueueCommand::addOptions, EnqueueCommand::run},
        {QStringLiteral("list"), QStringLiteral("[filters] [--limit N] [--offset N] [--sort KEY]"),
            QStringLiteral("List tasks."), {}, 0, 0, ListCommand::addOptions, ListCommand::run},
        {QStringLiteral("show"), QStringLiteral("ID"), QStringLiteral("Show a task and its state-transition history."),
            QStringLiteral("Exit code 3 when there is no such task."), 1, 1, noOptions, ShowCommand::run},
        {QStringLiteral("stats"), QStringLiteral("[--capacity [--window 1|5|15]]"),
            QStringLiteral("Task counts per queue and state, and recent throughput from the metrics history."),
            QStringLiteral(
                "With --capacity: per queue, the arrival rate λ, the service rate μ of one worker and the workers c\n"
                "measured over the window, utilisation ρ = λ/(cμ), the M/M/c (Erlang C) wait beside the measured one,\n"
                "and the drain forecast (\"drains in about 4 min\", or how many more workers would drain it). With\n"
                "--json, drainSeconds is null when the queue will not drain."),
            0, 0, StatsCommand::addOptions, StatsCommand::run},
        {QStringLiteral("pause"), QStringLiteral("QUEUE | --all"),
            QStringLiteral("Pause a queue: workers of every process stop claiming its tasks."),
            QStringLiteral("Exit code 3 when there is no such queue."), 0, 1, QueueCommands::addAllOption,
            QueueCommands::runPause},
        {QStringLiteral("resume"), QStringLiteral("QUEUE | --all"), QStringLiteral("Resume a paused queue."),
            QStringLiteral("Exit code 3 when there is no such queue."), 0, 1, QueueCommands::addAllOption,
            QueueCommands::runResume},
        {QStringLiteral("retry"), QStringLiteral("[ID...] [--cluster ID] [filters] [--yes]"),
            QStringLiteral("Queue failed or cancelled tasks again with a fresh attempt budget."),
            QStringLiteral("Exit code 3 when a given id does not exist."), 0, -1, BulkCommands::addOptions,
            BulkCommands::runRetry},
        {QStringLiteral("cancel"), QStringLiteral("[ID...] [--cluster ID] [filters] [--yes]"),
            QStringLiteral("Cancel queued and scheduled tasks; ask running ones to stop."),
            QStringLiteral("Exit code 3 when a given id does not exist."), 0, -1, BulkCommands::addOptions,
            BulkCommands::runCancel},
        {QStringLiteral("purge"), QStringLiteral("[ID...] [--cluster ID] [filters] [--yes]"),
            QStringLiteral("Delete tasks and their history (running tasks are never purged)."),
            QStringLiteral("Without ids or a filter, --yes is required."), 0, -1, BulkCommands::addOptions,
            BulkCommands::runPurge},
        {QStringLiteral("failures"), QStringLiteral("[--queue Q] [--since T] [--limit N]"),
            QStringLiteral("Failed attempts grouped by error signature, newest first."),
            QStringLiteral(
                "A signature is the error text with numbers, ids, UUIDs, paths, URLs, times and quoted values\n"
                "replaced by placeholders. Act on a whole cluster with retry|cancel|purge --cluster ID\n"
                "(--dry-run first says exactly how many tasks would change)."),
            0, 0, FailuresCommand::addOptions, FailuresCommand::run},
        {QStringLiteral("audit"), QStringLiteral("[--since T] [--action A] [--limit N]"),
            QStringLiteral("Admin actions, newest first: who, when, what, the filter and how many tasks."),
            QStringLiteral(
                "Every enqueue from the window or this command line, retry, run now, cancel, purge, pause, resume,\n"
                "concurrency, queue setting, alert rule and key change leaves one row, written in the same\n"
                "transaction as the action. Purges never remove it. Export it with `export audit`."),
            0, 0, AuditCommand::addOptions, AuditCommand::run},
        {QStringLiteral("export"),
            QStringLiteral("tasks|events|metrics|audit [--format csv|jsonl] [--output PATH] [--from T] [--to T]"),
            QStringLiteral("Export tasks, their state-transition history, the metrics history or the audit log."),
            QStringLiteral(
                "CSV follows RFC 4180 (header row, CRLF, UTF-8); JSON Lines has one object per line with payload and\n"
                "result embedded as JSON. Times are ISO 8601 UTC with milliseconds; unset times are empty (null).\n"
                "SIGINT cancels the export and leaves no file behind."),
            1, 1, ExportCommand::addOptions, ExportCommand::run},
        {QStringLiteral("work"), QStringLiteral("[--concurrency N] [--amqp-url NAME=URL]..."),
            QStringLiteral("Run workers headless until SIGINT or SIGTERM, then stop gracefully."),
            QStringLiteral("Exit code 0 after a signal-initiated stop; 4 when the database becomes unusable."), 0, 0,
            WorkCommand::addOptions, WorkCommand::run},
        {QStringLiteral("workers"), QString(),
            QStringLiteral("List the processes that run workers on the database, and whether each still beats."),
            QStringLiteral(
                "Each process (the GUI, `work`) announces itself and refreshes its row every few seconds; one that\n"
                "stopped beating for three intervals is lost (killed, hung, its host gone); its tasks return to the\n"
                "queue when their leases expire. A clean stop removes the row; rows are pruned a day after they were\n"
                "last seen. Running tasks held by an engine that does not announce itself show as unannounced."),
            0, 0, noOptions, WorkersCommand::run},
        {QStringLiteral("demo"), QStringLiteral("[--images N] [--sink-url URL] [--scratch DIR]"),
            QStringLiteral("Generate images and logs and enqueue a realistic mixed workload."),
            QStringLiteral("Some tasks fail on purpose (their payload has a \"note\" saying why)."), 0, 0,
            DemoCommand::addOptions, DemoCommand::run},
        {QStringLiteral("spool"),
            QStringLiteral("add NAME --dir DIR [--type T --pattern GLOB] | list | remove|pause|resume NAME"),
            QStringLiteral("Configure spool folders whose files become tasks (run by `work`)."), {}, 1, 2,
            SpoolCommand::addOptions, SpoolCommand::run},
        {QStringLiteral("bridge"),
            QStringLiteral("amqp --url URL --from QUEUE [--into Q --type T] | add NAME --url URL --from QUEUE [...] | "
                           "list | remove|pause|resume NAME"),
            QStringLiteral("Take RabbitMQ messages in as tasks: one bridge now, or configure bridges (run by `work`)."),
            {}, 1, 2, BridgeCommand::addOptions, BridgeCommand::run},
        {QStringLiteral("events-out"),
            QStringLiteral("amqp add NAME --url URL --exchange X [--routing-key-prefix P] | list | "
                           "remove|pause|resume NAME"),
            QStringLiteral("Publish the final state of every task to RabbitMQ (relays run by `work`)."),
            QStringLiteral("The task history is the outbox: each relay publishes the events of ended tasks with\n"
                           "publisher confirms and stores its place only past confirmed ones, so a broker outage or a\n"
                           "restart loses nothing (at least once; message id qd-event-<event id>)."),
            1, 3, EventsOutCommand::addOptions, EventsOutCommand::run},
        {QStringLiteral("alerts"),
            QStringLiteral("list | add --condition C [--threshold X] [--queue Q] [--for D] [--window D] | "
                           "remove|enable|disable ID | history [--limit N]"),
            QStringLiteral("Alert rules, stored in the database so every window and monitor sees the same ones."),
            QStringLiteral(
                "Conditions: length (tasks waiting), oldest-age (of the oldest queued task), failure-rate (of the\n"
                "attempts ended in --window, judged from --min-volume attempts on), stall (nothing ended for the\n"
                "threshold while a task waited as long), wait-p95 (over --window), will-not-drain and drain-time\n"
                "(the capacity forecast), worker-silent (a process with workers stopped beating, silent longer than\n"
                "the threshold; see `workers`). A rule fires once its condition held for --for, and resolves once its\n"
                "figure stayed at or below 90% of the threshold for as long (at least 30 s)."),
            1, 2, AlertCommands::addAlertsOptions, AlertCommands::runAlerts},
        {QStringLiteral("monitor"), QStringLiteral("[--interval D] [--once]"),
            QStringLiteral("Evaluate the alert rules headless until SIGINT or SIGTERM; prints each firing."),
            QStringLiteral("Run it on any number of hosts: one process at a time evaluates (a lease in the database),\n"
                           "and the next takes over within 15 s when it stops or dies, so each firing is recorded\n"
                           "once (see alerts history)."),
            0, 0, AlertCommands::addMonitorOptions, AlertCommands::runMonitor},
        {QStringLiteral("keys"),
            QStringLiteral(
                "init|status|rotate [--queue Q] [--keyring] [--batch N] | new-producer PATH | add-producer NAME "
                "PUBKEYFILE | list | "
                "revoke ID"),
            QStringLiteral("Encrypt tasks at rest (init, status, rotate); producer keys for signed tasks (the rest)."),
            QStringLiteral(
                "The key file is --key-file, else $QUEUEDESK_KEY_FILE, else ~/.config/QueueDesk/queuedesk.key (mode\n"
                "0600). init adds a new key to it and seals every task; rotate adds another, seals every task with\n"
                "it in short transactions while workers run, then retires the old one (keep it until then). Text\n"
                "search never matches encrypted payloads. With --keyring, init and rotate keep the new key in the\n"
                "desktop keyring (Secret Service, KWallet) instead; a database whose key the file lacks looks for it\n"
                "there by its id. With --queue Q, init, status and rotate work on Q's own key: only Q's tasks are\n"
                "sealed with it, and a process without it leaves Q's tasks queued; other queues are untouched.\n\n"
                "Signed tasks: new-producer writes an Ed25519 key pair (PATH, secret, mode 0600; PATH.pub, public);\n"
                "add-producer names a public key in the database; list shows the producer keys and whether each is\n"
                "revoked; revoke ID refuses its signatures from now on. Producers sign with enqueue --sign-with PATH;\n"
                "require-signed QUEUE on makes a queue refuse unsigned tasks. A bad signature is always refused."),
            1, 3, KeysCommand::addOptions, KeysCommand::run},
        {QStringLiteral("require-signed"), QStringLiteral("QUEUE on|off"),
            QStringLiteral("Make QUEUE take only tasks signed by a producer key in use (see keys), or not."),
            QStringLiteral("Unsigned, unknown-key, revoked-key and bad signatures are refused at enqueue and nothing\n"
                           "is stored; spools move such files to failed/, bridges dead-letter such messages."),
            2, 2, noOptions, QueueCommands::runRequireSigned},
        {QStringLiteral("settings"), QStringLiteral("[list | get KEY | set KEY VALUE | unset KEY]"),
            QStringLiteral("Show or change the database's own settings, which every process using it follows."),
            QStringLiteral(
                "command.allowedPrograms (absolute paths; empty: the command type is off), network.refuseLoopback,\n"
                "network.refusePrivate, network.allowHosts (the notify type's destinations), retention.endedTasksDays\n"
                "(ended tasks and their history deleted that many days after they ended; 0: kept), and\n"
                "retention.metricsDays (per-minute chart history; 0: kept). Lists are given comma-separated or as a\n"
                "JSON array (\"\" is the empty list); flags as true or false. unset returns a setting to its default.\n"
                "Running processes apply a change within a second."),
            0, 3, noOptions, SettingsCommand::run},
        {QStringLiteral("roles"), QStringLiteral("install [--dry-run] | grant LOGIN viewer|operator|admin | list"),
            QStringLiteral("Access by role on PostgreSQL and MariaDB: install the roles, give a login one, list them."),
            QStringLiteral(
                "install (as the owner of the schema, or a superuser) creates the group roles queuedesk_viewer (reads\n"
                "everything), queuedesk_operator (also enqueue, retry, run now, cancel, pause, resume and workers) "
                "and\n"
                "queuedesk_admin (everything) and grants them on the tables the schema has now: run it again after\n"
                "each upgrade. grant gives a login one of them (on MariaDB LOGIN is user@host, and the role becomes\n"
                "its default role). A command the login's role may not run is refused with exit code 4 before it\n"
                "starts. --dry-run prints the SQL instead of running it."),
            1, 3, RolesCommand::addOptions, RolesCommand::run},
        {QStringLiteral("set-concurrency"), QStringLiteral("QUEUE N"),
            QStringLiteral("Run at most N tasks of QUEUE at once in each process (0: no limit of its own)."),
            QStringLiteral("Exit code 3 when there is no such queue."), 2, 2, noOptions,
            QueueCommands::runSetConcurrency},
    };
    return list;
}

QString commandHelp(const Command& command, const QCommandLineParser& parser)
{
    QString options = parser.helpText();
    // Qt's first line names the program without the command; ours does.
    const qsizetype firstBreak = options.indexOf(u'\n');
    options = firstBreak >= 0 ? options.mid(firstBreak + 1) : QString();
    QString text
        = QStringLiteral("Usage: queuedesk-cli %1 %2\n\n%3\n").arg(command.name, command.syntax, command.summary);
    if (!command.details.isEmpty())
        text += u'\n' + command.details + u'\n';
    return text + options;
}

int runCommand(CliContext& context, const Command& command, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    parser.addOptions(CliContext::globalOptions());
    parser.addOption(
        QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")));
    command.addOptions(parser);
    if (!parser.parse(QStringList {QStringLiteral("queuedesk-cli")} + arguments))
        return context.usageError(parser.errorText(), command.name);
    if (parser.isSet(QStringLiteral("help"))) {
        context.out() << commandHelp(command, parser);
        context.out().flush();
        return ExitOk;
    }
    context.applyGlobalOptions(parser);
    context.requireAccess(command.name, accessNeeded(command.name, parser));
    const qsizetype count = parser.positionalArguments().size();
    if (count < command.minArgs || (command.maxArgs >= 0 && count > command.maxArgs)) {
        return context.usageError(count < command.minArgs
                ? QStringLiteral("Missing argument: %1 %2.").arg(command.name, command.syntax)
                : QStringLiteral("Unexpected argument \"%1\".")
                      .arg(parser.positionalArguments().value(command.maxArgs)),
            command.name);
    }
    return command.run(context, parser);
}

const Command* findCommand(const QString& name)
{
    for (const Command& command : commands()) {
        if (command.name == name)
            return &command;
    }
    return nullptr;
}

} // namespace

QString mainHelpText()
{
    QString text = QStringLiteral(
        "Usage: queuedesk-cli [--db PATH] [--json] [--read-only] <command> [options] [arguments]\n"
        "\n"
        "Administers a QueueDesk task queue from scripts and terminals. Safe to use while the QueueDesk window\n"
        "has the same database open.\n"
        "\n"
        "Commands:\n");
    for (const Command& command : commands())
        text += QStringLiteral("  %1%2\n").arg(command.name.leftJustified(17), command.summary);
    text += QStringLiteral(
        "\n"
        "Global options (also accepted after the command):\n"
        "  --db PATH|URL    The database: a SQLite file (default: the GUI's, %1) or postgresql://host/dbname\n"
        "  --json           Machine-readable output: one JSON document on stdout; on stderr at most one, the\n"
        "                   error and any log messages (\"log\": [{\"level\", \"category\", \"message\"}])\n"
        "  --read-only      Open the database without writing (commands that write fail with exit code 4)\n"
        "  -h, --help       This help; 'queuedesk-cli COMMAND --help' describes a command\n"
        "  --version        The version\n"
        "\n"
        "Exit codes:\n"
        "  0  success\n"
        "  1  other error (cannot write a file, export cancelled, internal error)\n"
        "  2  usage error (unknown command or option, missing or malformed argument)\n"
        "  3  not found (no such task, queue, database or input file)\n"
        "  4  database error (locked, read-only, refused to the login's role, corrupt, full, or written by a\n"
        "     newer QueueDesk)\n"
        "  5  invalid input (malformed JSON, unknown task type, payload rejected by its handler)\n"
        "Errors are printed on stderr.\n")
                .arg(QDir::toNativeSeparators(defaultDatabasePath()));
    return text;
}

namespace {

int runArguments(CliContext& context, const QStringList& arguments)
{
    int i = 1;
    // Global options before the command name.
    for (; i < arguments.size(); ++i) {
        const QString& arg = arguments[i];
        if (arg == u"--db") {
            if (i + 1 >= arguments.size())
                return context.usageError(QStringLiteral("--db needs a path."));
            context.setDatabasePath(arguments[++i]);
        } else if (arg.startsWith(QLatin1String("--db="))) {
            context.setDatabasePath(arg.mid(5));
        } else if (arg == u"--json") {
            context.setJson(true);
        } else if (arg == u"--read-only") {
            context.setReadOnly(true);
        } else if (arg == u"-h" || arg == u"--help") {
            context.out() << mainHelpText();
            return ExitOk;
        } else if (arg == u"--version" || arg == u"-v") {
            context.out() << "queuedesk-cli " << QCoreApplication::applicationVersion() << Qt::endl;
            return ExitOk;
        } else if (arg.startsWith(u'-')) {
            return context.usageError(QStringLiteral("Unknown option \"%1\".").arg(arg));
        } else {
            break;
        }
    }
    if (i >= arguments.size()) {
        if (context.json())
            return context.usageError(QStringLiteral("No command given."));
        context.err() << mainHelpText();
        return ExitUsage;
    }
    QString name = arguments[i];
    QStringList rest = arguments.mid(i + 1);
    if (name == u"help") {
        if (rest.isEmpty()) {
            context.out() << mainHelpText();
            return ExitOk;
        }
        name = rest.first();
        rest = {QStringLiteral("--help")};
    }
    const Command* command = findCommand(name);
    if (!command)
        return context.usageError(QStringLiteral("Unknown command \"%1\".").arg(name));
    return runCommand(context, *command, rest);
}

} // namespace

int runCli(const QStringList& arguments)
{
    CliContext context;
    const int exitCode = runArguments(context, arguments);
    return context.finish(exitCode);
}

} // namespace qd::cli