#include "spooltaskparser.h"

#include "core/taskjson.h"

namespace qd {

namespace {

Error invalid(const QString& message)
{
    return Error {ErrorCode::InvalidArgument, message};
}

} // namespace

Result<NewTask> SpoolTaskParser::parseObject(const QByteArray& json, const HandlerRegistry& handlers)
{
    return parseTaskJson(json, handlers);
}

Result<QList<NewTask>> SpoolTaskParser::parseLines(const QByteArray& text, const HandlerRegistry& handlers)
{
    QList<NewTask> tasks;
    qsizetype start = 0;
    int lineNumber = 0;
    while (start < text.size()) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0)
            end = text.size();
        ++lineNumber;
        const QByteArray line = text.mid(start, end - start).trimmed();
        start = end + 1;
        if (line.isEmpty())
            continue;
        Result<NewTask> task = parseObject(line, handlers);
        if (!task)
            return invalid(QStringLiteral("line %1: %2").arg(lineNumber).arg(task.errorString()));
        tasks.append(std::move(task).value());
    }
    if (tasks.isEmpty())
        return invalid(QStringLiteral("the file holds no task"));
    return tasks;
}

} // namespace qd
