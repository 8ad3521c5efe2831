#include "cli_enqueuecommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_linereader.h"
#include "cli_tasklineparser.h"
#include "core/crypto/producerkeyfile.h"
#include "core/oneshotwriter.h"
#include "core/taskvalidation.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd::cli {

namespace {

constexpr int enqueueBatchSize = 1000;

int enqueueFromFile(
    CliContext& context, OneShotWriter& writer, const QString& path, const crypto::ProducerKeyPair* signingKey)
{
    QFile file;
    if (path == u"-") {
        if (!file.open(stdin, QIODevice::ReadOnly))
            return context.fail(ErrorCode::Io, QStringLiteral("Cannot read stdin: %1").arg(file.errorString()));
    } else {
        file.setFileName(path);
        if (!file.exists())
            return context.fail(
                ErrorCode::NotFound, QStringLiteral("There is no file %1.").arg(QDir::toNativeSeparators(path)));
        if (!file.open(QIODevice::ReadOnly))
            return context.fail(ErrorCode::Io,
                QStringLiteral("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    }

    qint64 enqueued = 0, existed = 0, firstId = 0, lastId = 0;
    qint64 lineNumber = 0, batchFirstLine = 1;
    QList<NewTask> batch;
    batch.reserve(enqueueBatchSize);
    const QString source = path == u"-" ? QStringLiteral("stdin") : QDir::toNativeSeparators(path);

    // What is stored after the batch of lines batchFirstLine..lineNumber was refused (`because`: the line that
    // refused it, if it was a line).
    auto outcome = [&](const QString& because) -> QString {
        const QString refused = QStringLiteral("the batch of lines %1-%2 was refused%3.")
                                    .arg(batchFirstLine)
                                    .arg(lineNumber)
                                    .arg(because);
        if (batchFirstLine == 1)
            return QStringLiteral(" Nothing was enqueued: ") + refused;
        return QStringLiteral(" The %1 task(s) of lines 1-%2 are stored; ")
                   .arg(enqueued + existed)
                   .arg(batchFirstLine - 1)
            + refused;
    };
    auto lineOutcome = [&]() -> QString { return outcome(QStringLiteral(" because of line %1").arg(lineNumber)); };
    // All of a batch is stored or none of it (one transaction).
    auto flush = [&]() -> std::optional<Error> {
        if (batch.isEmpty())
            return std::nullopt;
        const Result<QList<EnqueueResult>> stored = writer.enqueueValidated(batch);
        if (!stored.ok()) {
            return Error {stored.error().code,
                QStringLiteral("%1, lines %2-%3: %4.")
                        .arg(source)
                        .arg(batchFirstLine)
                        .arg(lineNumber)
                        .arg(stored.errorString())
                    + outcome({})};
        }
        for (const EnqueueResult& result : stored.value()) {
            if (result.existed)
                ++existed;
            else
                ++enqueued;
            if (firstId == 0)
                firstId = result.id;
            lastId = result.id;
        }
        batch.clear();
        batchFirstLine = lineNumber + 1;
        return std::nullopt;
    };

    // Lines are read in bounded memory: one longer than the limit is refused as soon as it passes it.
    LineReader reader(file, TaskLineParser::maxLineBytes);
    QByteArray line;
    for (;;) {
        const LineReader::Status status = reader.next(line);
        if (status == LineReader::Status::End || status == LineReader::Status::Error)
            break;
        lineNumber = reader.lineNumber();
        if (status == LineReader::Status::TooLong) {
            return context.fail(ErrorCode::InvalidArgument,
                QStringLiteral("%1, line %2: the line is longer than %3 bytes (a payload may hold at most %4 bytes).")
                        .arg(source)
                        .arg(lineNumber)
                        .arg(TaskLineParser::maxLineBytes)
                        .arg(TaskLineParser::maxPayloadBytes)
                    + lineOutcome());
        }
        if (lineNumber == 1 && line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3);
        if (line.trimmed().isEmpty())
            continue;
        // Parsed and checked once, here: the batch is stored as it is.
        Result<NewTask> task = TaskLineParser::parse(line, writer.handlers());
        if (!task.ok()) {
            return context.fail(task.error().code,
                QStringLiteral("%1, line %2: %3.").arg(source).arg(lineNumber).arg(task.errorString()) + lineOutcome());
        }
        if (signingKey)
            crypto::signTask(task.value(), *signingKey);
        batch.append(std::move(task).value());
        if (batch.size() >= enqueueBatchSize) {
            if (std::optional<Error> error = flush())
                return context.fail(*error);
        }
    }
    if (file.error() != QFileDevice::NoError)
        return context.fail(ErrorCode::Io, QStringLiteral("Cannot read %1: %2").arg(source, file.errorString()));
    if (std::optional<Error> error = flush())
        return context.fail(*error);

    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("enqueued"), enqueued}, {QStringLiteral("existed"), existed},
            {QStringLiteral("firstId"), firstId}, {QStringLiteral("lastId"), lastId}});
    } else {
        context.out() << "Enqueued " << enqueued << " task(s)";
        if (existed > 0)
            context.out() << "; " << existed << " already existed (same idempotency key)";
        context.out() << "." << Qt::endl;
    }
    return ExitOk;
}

} // namespace

void EnqueueCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(
        QStringLiteral("queue"), QStringLiteral("The queue (default \"default\")."), QStringLiteral("name")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("type"), QStringLiteral("The task type, e.g. noop or sleep."), QStringLiteral("type")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("payload"), QStringLiteral("The payload, a JSON object (default {})."), QStringLiteral("json")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("priority"), QStringLiteral("0..100, higher runs first (default 0)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("delay-ms"), QStringLiteral("Run no earlier than this from now."), QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("max-attempts"),
        QStringLiteral("Attempts before the task fails (default: the queue's)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("timeout-ms"),
        QStringLiteral("Stop a run after this long (default: the queue's)."), QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("key"),
        QStringLiteral("Idempotency key: enqueueing the same key again returns the existing task."),
        QStringLiteral("key")));
    parser.addOption(QCommandLineOption(QStringLiteral("file"),
        QStringLiteral("Enqueue one task per line of this JSON Lines file (- reads stdin)."), QStringLiteral("path")));
    parser.addOption(QCommandLineOption(QStringLiteral("sign-with"),
        QStringLiteral("Sign each task with this producer secret key file (keys new-producer makes one)."),
        QStringLiteral("keyfile")));
}

int EnqueueCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("enqueue");
    const bool fromFile = parser.isSet(QStringLiteral("file"));
    const QStringList singleOptions {QStringLiteral("queue"), QStringLiteral("type"), QStringLiteral("payload"),
        QStringLiteral("priority"), QStringLiteral("delay-ms"), QStringLiteral("max-attempts"),
        QStringLiteral("timeout-ms"), QStringLiteral("key")};
    NewTask task;
    QJsonObject payload; // parsed once, checked by validateNewTask as it is
    if (fromFile) {
        for (const QString& name : singleOptions) {
            if (parser.isSet(name))
                return context.usageError(QStringLiteral("--%1 cannot be combined with --file.").arg(name), command);
        }
    } else {
        if (!parser.isSet(QStringLiteral("type")))
            return context.usageError(QStringLiteral("--type is required (or --file)."), command);
        task.type = parser.value(QStringLiteral("type"));
        if (parser.isSet(QStringLiteral("queue")))
            task.queue = parser.value(QStringLiteral("queue"));
        const auto priority = CommandOptions::integer(parser, QStringLiteral("priority"), 0, -1'000'000, 1'000'000);
        const auto delay = CommandOptions::integer(parser, QStringLiteral("delay-ms"), 0, 0, qint64(1) << 50);
        const auto attempts = CommandOptions::integer(parser, QStringLiteral("max-attempts"), 0, 0, 1'000'000);
        const auto timeout
            = CommandOptions::integer(parser, QStringLiteral("timeout-ms"), 0, 0, std::numeric_limits<int>::max());
        for (const Result<qint64>* value : {&priority, &delay, &attempts, &timeout}) {
            if (!value->ok())
                return context.usageError(value->errorString(), command);
        }
        task.priority = int(priority.value());
        task.delayMs = delay.value();
        task.maxAttempts = int(attempts.value());
        task.timeoutMs = int(timeout.value());
        task.idempotencyKey = parser.value(QStringLiteral("key"));
        if (parser.isSet(QStringLiteral("payload"))) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(parser.value(QStringLiteral("payload")).toUtf8(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject()) {
                return context.fail(ErrorCode::InvalidArgument,
                    QStringLiteral("--payload must be a JSON object: %1.")
                        .arg(error.error != QJsonParseError::NoError ? error.errorString()
                                                                     : QStringLiteral("not an object")));
            }
            payload = doc.object();
            task.payload = doc.toJson(QJsonDocument::Compact);
        }
    }

    std::optional<crypto::ProducerKeyPair> signingKey;
    if (parser.isSet(QStringLiteral("sign-with"))) {
        auto key = crypto::readProducerSecretKey(parser.value(QStringLiteral("sign-with")));
        if (!key)
            return context.fail(key.error());
        signingKey = std::move(*key);
    }
    const Result<OneShotWriter*> writer = context.writer(true);
    if (!writer.ok())
        return context.fail(writer.error());
    if (fromFile)
        return enqueueFromFile(
            context, *writer.value(), parser.value(QStringLiteral("file")), signingKey ? &*signingKey : nullptr);

    // An unknown type's message lists the known types (validateNewTask, core/taskvalidation.cpp).
    if (std::optional<Error> invalid = validateNewTask(task, writer.value()->handlers(), &payload))
        return context.fail(*invalid);
    if (signingKey)
        crypto::signTask(task, *signingKey); // the payload as it is stored: compact JSON
    const Result<QList<EnqueueResult>> batch = writer.value()->enqueueValidated({task});
    if (!batch.ok())
        return context.fail(batch.error());
    const EnqueueResult stored = batch->constFirst();
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("id"), stored.id}, {QStringLiteral("existed"), stored.existed}});
    } else if (stored.existed) {
        context.out() << "Task " << stored.id << " already exists with this idempotency key." << Qt::endl;
    } else {
        context.out() << "Enqueued task " << stored.id << "." << Qt::endl;
    }
    return ExitOk;
}

} // namespace qd::cli
