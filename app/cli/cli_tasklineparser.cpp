#include "cli_tasklineparser.h"

#include "core/taskjson.h"

namespace qd::cli {

Result<NewTask> TaskLineParser::parse(const QByteArray& line, const HandlerRegistry& handlers)
{
    return parseTaskJson(line, handlers);
}

} // namespace qd::cli
