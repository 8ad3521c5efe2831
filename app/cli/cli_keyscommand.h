#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli keys init|status|rotate`: encryption at rest of a database (see core/crypto/). init makes a key,
// adds it to the key file (0600) and seals every task with it; rotate does the same with a new key, in short
// transactions while workers run, then retires the old keys. Thread contract: main thread.
class KeysCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
