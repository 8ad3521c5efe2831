#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/handlers/builtinhandlers.h"
#include "core/handlers/commandhandler.h"
#include "handlertestutil.h"

#include <QDir>
#include <QJsonArray>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

// Runs real programs (sh, sleep, printf) found in PATH; every run() happens on another thread, as on a worker.
class CommandHandlerTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void disabledByDefault();
    void registryOverloads();
    void capturesExitCodeAndOutput();
    void argumentsAreNotShellExpanded();
    void workingDirectoryAndEnvironment();
    void keepsOnlyTheTailOfLongOutput();
    void nonZeroExitIsRetryable();
    void crashIsRetryable();
    void programNotFoundIsPermanent();
    void missingWorkingDirectoryIsPermanent();
    void notAllowedIsPermanent();
    void timeoutKillsTheProgram();
    void stopKillsTheProgramPromptly_data();
    void stopKillsTheProgramPromptly();
    void validation_data();
    void validation();

private:
    HandlerResult runAndWait(const QJsonObject& payload, int waitMs = 15000);

    CommandHandler m_handler {
        CommandHandlerSettings {true, {u"sh"_s, u"sleep"_s, u"printf"_s, u"/nonexistent/qd-program"_s}}};
};

void CommandHandlerTest::initTestCase()
{
    for (const QString& program : {u"sh"_s, u"sleep"_s, u"printf"_s}) {
        if (QStandardPaths::findExecutable(program).isEmpty())
            QSKIP("sh, sleep and printf are needed");
    }
}

HandlerResult CommandHandlerTest::runAndWait(const QJsonObject& payload, int waitMs)
{
    HandlerContext context(1, 1, u"ops"_s);
    auto future = test::runAsync(m_handler, payload, context);
    if (!test::waitFor(future, waitMs)) {
        context.requestStop(StopReason::ShuttingDown);
        future.wait();
        return HandlerResult::permanent(u"test: run() did not return in time"_s);
    }
    return future.get();
}

static QJsonObject shell(const QString& script)
{
    return QJsonObject {{u"program"_s, u"sh"_s}, {u"args"_s, QJsonArray {u"-c"_s, script}}};
}

void CommandHandlerTest::disabledByDefault()
{
    const CommandHandler disabled;
    const std::optional<QString> error = disabled.validate(shell(u"true"_s));
    QVERIFY(error);
    QVERIFY2(error->contains(QLatin1String("disabled")), qPrintable(*error));
    HandlerContext context(1, 1, u"ops"_s);
    const HandlerResult result = disabled.run(shell(u"true"_s), context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY(result.error.contains(QLatin1String("disabled")));
}

void CommandHandlerTest::registryOverloads()
{
    HandlerRegistry plain;
    registerBuiltinHandlers(plain);
    QCOMPARE(plain.types(),
        (QStringList {u"amqp"_s, u"command"_s, u"image"_s, u"logstats"_s, u"noop"_s, u"notify"_s, u"sleep"_s}));
    QVERIFY(plain.find(u"command"_s)->validate(shell(u"true"_s)).has_value());

    HandlerRegistry configured;
    registerBuiltinHandlers(configured, CommandHandlerSettings {true, {u"sh"_s}});
    QCOMPARE(configured.types(), plain.types());
    QVERIFY(!configured.find(u"command"_s)->validate(shell(u"true"_s)).has_value());
    QVERIFY(configured.find(u"command"_s)->validate(QJsonObject {{u"program"_s, u"sleep"_s}}).has_value());

    // Every registered handler accepts its own template (the command handler once its program is allowed).
    for (const QString& type : configured.types()) {
        const TaskHandler* handler = configured.find(type);
        if (type != u"command"_s)
            QVERIFY2(!handler->validate(handler->payloadTemplate()), qPrintable(type));
        QVERIFY(!handler->description().isEmpty());
    }
    QVERIFY(!configured.find(u"command"_s)->validate(configured.find(u"command"_s)->payloadTemplate()));
}

void CommandHandlerTest::capturesExitCodeAndOutput()
{
    const HandlerResult result = runAndWait(shell(u"echo hello; echo oops >&2"_s));
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(u"exitCode"_s).toInt(), 0);
    QCOMPARE(result.result.value(u"stdoutTail"_s).toString(), u"hello\n"_s);
    QCOMPARE(result.result.value(u"stderrTail"_s).toString(), u"oops\n"_s);
    QCOMPARE(result.result.value(u"stdoutBytes"_s).toInteger(), 6);
    QVERIFY(result.result.value(u"durationMs"_s).toInteger() >= 0);
}

void CommandHandlerTest::argumentsAreNotShellExpanded()
{
    const HandlerResult result = runAndWait(QJsonObject {
        {u"program"_s, u"printf"_s}, {u"args"_s, QJsonArray {u"%s|"_s, u"a b"_s, u"$HOME"_s, u"*;rm -rf x"_s}}});
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(u"stdoutTail"_s).toString(), u"a b|$HOME|*;rm -rf x|"_s);
}

void CommandHandlerTest::workingDirectoryAndEnvironment()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QJsonObject payload = shell(u"pwd; echo \"$QD_GREETING\""_s);
    payload.insert(u"workingDirectory"_s, dir.path());
    payload.insert(u"env"_s, QJsonObject {{u"QD_GREETING"_s, u"grüezi"_s}});
    const HandlerResult result = runAndWait(payload);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(u"stdoutTail"_s).toString(), QDir(dir.path()).canonicalPath() + u"\ngrüezi\n"_s);
}

void CommandHandlerTest::keepsOnlyTheTailOfLongOutput()
{
    // 300 KB of output in one go, then a marker: only the last 4 KiB are kept, the count is exact.
    const HandlerResult result = runAndWait(shell(
        u"i=0; while [ $i -lt 3000 ]; do "
        u"echo 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789; "
        u"i=$((i+1)); done; echo END"_s));
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    const QString tail = result.result.value(u"stdoutTail"_s).toString();
    QCOMPARE(tail.size(), 4096);
    QVERIFY(tail.endsWith(u"789\nEND\n"_s));
    QCOMPARE(result.result.value(u"stdoutBytes"_s).toInteger(), 3000 * 101 + 4);
}

void CommandHandlerTest::nonZeroExitIsRetryable()
{
    const HandlerResult result = runAndWait(shell(u"echo working; echo 'disk is full' >&2; exit 3"_s));
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("code 3")) && result.error.contains(QLatin1String("disk is full")),
        qPrintable(result.error));
}

void CommandHandlerTest::crashIsRetryable()
{
    const HandlerResult result = runAndWait(shell(u"kill -SEGV $$"_s));
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("crashed")), qPrintable(result.error));
}

void CommandHandlerTest::programNotFoundIsPermanent()
{
    const HandlerResult result = runAndWait(QJsonObject {{u"program"_s, u"/nonexistent/qd-program"_s}});
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(u"/nonexistent/qd-program"_s), qPrintable(result.error));
}

void CommandHandlerTest::missingWorkingDirectoryIsPermanent()
{
    QJsonObject payload = shell(u"true"_s);
    payload.insert(u"workingDirectory"_s, u"/nonexistent/dir"_s);
    const HandlerResult result = runAndWait(payload);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(u"\"workingDirectory\""_s), qPrintable(result.error));
}

void CommandHandlerTest::notAllowedIsPermanent()
{
    // Resolving to an allowed program is not enough: the comparison is exact.
    const QString shPath = QStandardPaths::findExecutable(u"sh"_s);
    for (const QString& program : {u"rm"_s, shPath}) {
        const HandlerResult result = runAndWait(QJsonObject {{u"program"_s, program}});
        QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
        QVERIFY2(result.error.contains(u"\"program\""_s) && result.error.contains(u"allow-list"_s),
            qPrintable(result.error));
    }
}

void CommandHandlerTest::timeoutKillsTheProgram()
{
    // The program ignores SIGTERM, so the SIGKILL escalation is exercised too.
    QJsonObject payload = shell(u"trap '' TERM; while :; do sleep 0.05; done"_s);
    payload.insert(u"timeoutMs"_s, 300);
    QElapsedTimer timer;
    timer.start();
    const HandlerResult result = runAndWait(payload);
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("within 300 ms")), qPrintable(result.error));
    QVERIFY2(timer.elapsed() >= 300 && timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
}

void CommandHandlerTest::stopKillsTheProgramPromptly_data()
{
    QTest::addColumn<int>("reason");
    QTest::newRow("cancelled by user") << int(StopReason::CancelledByUser);
    QTest::newRow("task timeout") << int(StopReason::TimedOut);
}

void CommandHandlerTest::stopKillsTheProgramPromptly()
{
    QFETCH(int, reason);
    std::atomic<bool> started {false};
    HandlerContext context(1, 1, u"ops"_s, [&](double, const QString&) { started = true; });
    auto future = test::runAsync(
        m_handler, QJsonObject {{u"program"_s, u"sleep"_s}, {u"args"_s, QJsonArray {u"30"_s}}}, context);
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    QTest::qWait(100); // let the program really start
    QElapsedTimer timer;
    timer.start();
    context.requestStop(StopReason(reason));
    QVERIFY(test::waitFor(future, 5000));
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    const HandlerResult result = future.get();
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("stopped")), qPrintable(result.error));
}

void CommandHandlerTest::validation_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("field");
    QTest::newRow("no program") << QJsonObject {} << u"\"program\""_s;
    QTest::newRow("program not string") << QJsonObject {{u"program"_s, 1}} << u"\"program\""_s;
    QTest::newRow("args not array") << QJsonObject {{u"program"_s, u"sh"_s}, {u"args"_s, u"-c x"_s}} << u"\"args\""_s;
    QTest::newRow("args with number") << QJsonObject {{u"program"_s, u"sh"_s}, {u"args"_s, QJsonArray {u"-c"_s, 1}}}
                                      << u"\"args\""_s;
    QTest::newRow("working dir not string")
        << QJsonObject {{u"program"_s, u"sh"_s}, {u"workingDirectory"_s, true}} << u"\"workingDirectory\""_s;
    QTest::newRow("env value") << QJsonObject {{u"program"_s, u"sh"_s}, {u"env"_s, QJsonObject {{u"A"_s, 1}}}}
                               << u"\"env\""_s;
    QTest::newRow("env name") << QJsonObject {{u"program"_s, u"sh"_s}, {u"env"_s, QJsonObject {{u"A=B"_s, u"x"_s}}}}
                              << u"\"env\""_s;
    QTest::newRow("timeout") << QJsonObject {{u"program"_s, u"sh"_s}, {u"timeoutMs"_s, -1}} << u"\"timeoutMs\""_s;
}

void CommandHandlerTest::validation()
{
    QFETCH(QJsonObject, payload);
    QFETCH(QString, field);
    const std::optional<QString> error = m_handler.validate(payload);
    QVERIFY(error.has_value());
    QVERIFY2(error->contains(field), qPrintable(*error));
    HandlerContext context(1, 1, QString());
    QD_COMPARE_OUTCOME(m_handler.run(payload, context), Outcome::PermanentError);
}

QTEST_GUILESS_MAIN(CommandHandlerTest)
#include "tst_commandhandler.moc"
