#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QCommandLineParser>

namespace qd::cli {

// Option helpers shared by the commands. Thread contract: stateless, any thread.
class CommandOptions {
public:
    // --queue, --state, --type, --search (and --from/--to on creation time when withTimeRange).
    static void addFilterOptions(QCommandLineParser& parser, bool withTimeRange = true);
    // Values of a repeatable option, each also split at commas, empty parts dropped.
    static QStringList listValues(const QCommandLineParser& parser, const QString& name);
    // The filter from addFilterOptions's options plus positional task ids; InvalidArgument names the bad value.
    static Result<TaskFilter> filter(const QCommandLineParser& parser, const QStringList& idArguments);
    static Result<qint64> integer(
        const QCommandLineParser& parser, const QString& name, qint64 fallback, qint64 min, qint64 max);
    static Result<qint64> parseInteger(const QString& text, const QString& what, qint64 min, qint64 max);
    // --from/--to as ms since the epoch (0 when absent).
    static Result<std::pair<qint64, qint64>> timeRange(const QCommandLineParser& parser);
};

} // namespace qd::cli
