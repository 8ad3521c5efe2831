#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli keys new-producer|add-producer|list|revoke`: the producer keys of signed tasks (see
// core/crypto/tasksignature.h). new-producer writes a key pair to files and needs no database. Thread contract: main
// thread.
class ProducerKeysCommand {
public:
    static bool handles(const QString& action);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
