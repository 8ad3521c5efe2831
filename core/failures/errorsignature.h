#pragma once
// The signature of an error text: what stays when the parts that differ between occurrences of the same error
// (numbers, hex ids, UUIDs, paths, URLs, times, quoted values) are replaced by placeholders, so that failures can be
// grouped by cause. Pure functions: any thread.

#include <QString>

namespace qd {

// `error` with: URLs as <url>, absolute paths as <path>, ISO-8601 times and dates as <time>, UUIDs as <uuid>, hex
// ids (0x..., or 8+ hex digits with a digit) as <hex>, quoted values ('...', "...") as <value>, other numbers as <n>;
// runs of white space become one space, and the ends are trimmed. The history's suffix on a final failure,
// " (attempts exhausted: N of M)", is dropped so that the last attempt groups with the earlier ones.
QString errorSignature(const QString& error);

// A short stable id for a signature: 12 lowercase hex digits of its SHA-256 (what `--cluster` takes).
QString errorSignatureId(const QString& signature);

} // namespace qd
