// libFuzzer target: task validation before enqueue (validateNewTask and each handler's validate()). The first
// byte picks the task type among the registry's, the next ones the numeric fields, the rest is the payload text.
#include "fuzzsupport.h"

#include "core/queueengine.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    qd::fuzz::initialise(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 9)
        return 0;
    const qd::HandlerRegistry& registry = qd::fuzz::registry();
    const QStringList types = registry.types();
    qd::NewTask task;
    task.type = data[0] < 8 * types.size() ? types.at(data[0] % types.size()) : QStringLiteral("no-such-type");
    // With the low bit of byte 1 clear, every field but the payload is in range, so the payload alone decides.
    const bool fieldsInRange = (data[1] & 1) == 0;
    qint32 delay = 0;
    std::memcpy(&delay, data + 3, sizeof delay);
    if (fieldsInRange) {
        task.priority = data[1] % 101;
        task.maxAttempts = data[2] % 11;
        task.delayMs = qint64(quint32(delay) % 100'000);
        task.timeoutMs = data[7] * 1000;
    } else {
        task.priority = int(int8_t(data[1]));
        task.maxAttempts = int(int8_t(data[2])) * 9;
        task.delayMs = qint64(delay) * 1000;
        task.timeoutMs = int(int8_t(data[7])) * 1000;
        task.queue = QString::fromLatin1(reinterpret_cast<const char*>(data + 8), 1).repeated(data[8] % 70);
    }
    task.payload = QByteArray(reinterpret_cast<const char*>(data + 9), qsizetype(size - 9));
    const std::optional<qd::Error> error = qd::validateNewTask(task, registry);
    if (error && (error->message.isEmpty() || error->code != qd::ErrorCode::InvalidArgument))
        qd::fuzz::fail("a rejection without a message or with the wrong code", task.payload);
    // The handler's own check straight on the object (as the enqueue dialog runs it) must agree with the
    // engine's check whenever the other fields are fine.
    const QJsonDocument document = QJsonDocument::fromJson(task.payload);
    const qd::TaskHandler* handler = registry.find(task.type);
    if (fieldsInRange && handler && document.isObject()) {
        const bool handlerAccepts = !handler->validate(document.object()).has_value();
        if (handlerAccepts != !error.has_value())
            qd::fuzz::fail("validateNewTask and the handler disagree", error ? error->message : QString());
    }
    return 0;
}
