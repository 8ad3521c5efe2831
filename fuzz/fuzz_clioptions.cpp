// libFuzzer target: the command line's value parsing. The input is split at newlines into arguments for a parser
// carrying the list command's options (filters, --from/--to, --limit, --offset); then the same helpers the commands
// use turn them into a TaskFilter and numbers. Only the parsing is exercised: no database is opened.
#include "fuzzsupport.h"

#include "cli_commandoptions.h"
#include "core/export/exportcodec.h"

#include <cstddef>
#include <cstdint>
#include <limits>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    qd::fuzz::initialise(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    QStringList arguments {QStringLiteral("queuedesk-cli")};
    arguments += text.split(u'\n');
    QCommandLineParser parser;
    qd::cli::CommandOptions::addFilterOptions(parser, true);
    parser.addOption(QCommandLineOption(QStringLiteral("limit"), QString(), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("offset"), QString(), QStringLiteral("n")));
    if (!parser.parse(arguments))
        return 0;
    const auto filter = qd::cli::CommandOptions::filter(parser, parser.positionalArguments());
    if (filter) {
        for (qint64 id : filter->ids) {
            if (id < 1)
                qd::fuzz::fail("a task id below 1 accepted", text);
        }
    } else if (filter.error().code != qd::ErrorCode::InvalidArgument || filter.errorString().isEmpty()) {
        qd::fuzz::fail("a bad value not reported as invalid input", filter.errorString());
    }
    const auto limit = qd::cli::CommandOptions::integer(parser, QStringLiteral("limit"), 50, 1, 10'000);
    if (limit && (*limit < 1 || *limit > 10'000))
        qd::fuzz::fail("--limit out of its range accepted", text);
    (void)qd::cli::CommandOptions::integer(parser, QStringLiteral("offset"), 0, 0, std::numeric_limits<qint64>::max());
    (void)qd::cli::CommandOptions::timeRange(parser);
    (void)qd::ExportCodec::parseIsoTime(text);
    return 0;
}
