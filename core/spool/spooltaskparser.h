#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>
#include <QList>

namespace qd {

class HandlerRegistry;

// Reads the tasks of a spool's task files: a *.json file holds one JSON object, a *.jsonl file one object per
// non-empty line, each as parseTaskJson() reads them (the keys of `queuedesk-cli enqueue --file`).
// Thread contract: stateless, any thread.
class SpoolTaskParser {
public:
    static Result<NewTask> parseObject(const QByteArray& json, const HandlerRegistry& handlers);
    // Every line or none: the error names the first bad line ("line 7: ..."). An empty file is an error too.
    static Result<QList<NewTask>> parseLines(const QByteArray& text, const HandlerRegistry& handlers);
};

} // namespace qd
