#pragma once

#include <QCommandLineParser>

#include <memory>

class QObject;

namespace qd {
class AmqpService;
class QueueEngine;
} // namespace qd

namespace qd::cli {

class CliContext;

// `queuedesk-cli bridge amqp --url URL --from QUEUE [--into Q] [--type T]`: one AMQP bridge in the foreground until
// SIGINT/SIGTERM. `bridge add NAME --url URL --from QUEUE [...] | list | remove|pause|resume NAME`: the bridges of
// the `sources` table (kind "amqp"), which `work` runs. URLs are shown without their password.
// Thread contract: main thread.
class BridgeCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
    // For `work`: runs the configured bridges, their state changes and errors noted on stderr (received in
    // `receiver`'s thread). Destroy it before the engine.
    static std::unique_ptr<AmqpService> startConfigured(CliContext& context, QueueEngine& engine, QObject* receiver);
};

} // namespace qd::cli
