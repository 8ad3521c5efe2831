// libFuzzer target: one line of a JSON Lines enqueue file (queuedesk-cli enqueue --file) through
// cli::TaskLineParser::parse with the full built-in registry, so every handler's validate() sees the payloads.
#include "fuzzsupport.h"

#include "cli_tasklineparser.h"
#include "core/queueengine.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    qd::fuzz::initialise(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray line = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    const qd::Result<qd::NewTask> task = qd::cli::TaskLineParser::parse(line, qd::fuzz::registry());
    if (task) {
        // Whatever the parser accepts, the engine's own check must accept too (it runs again at enqueue).
        if (const auto error = qd::validateNewTask(*task, qd::fuzz::registry()))
            qd::fuzz::fail("TaskLineParser accepted a task that validateNewTask rejects", error->message);
    }
    return 0;
}
