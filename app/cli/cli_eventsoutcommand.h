#pragma once

#include <QCommandLineParser>

namespace qd::cli {

class CliContext;

// `queuedesk-cli events-out amqp add NAME --url URL --exchange X [--exchange-type T] [--routing-key-prefix P]
// [--batch N] | list | remove|pause|resume NAME`: the relays that publish ended tasks' events to RabbitMQ (rows of
// kind "amqp-out" in the `sources` table, each with its cursor in `source_cursors`), which `work` runs. A new relay
// starts at the newest event: what ended before it was added is not published. URLs are shown without password.
// Thread contract: main thread.
class EventsOutCommand {
public:
    static void addOptions(QCommandLineParser& parser);
    static int run(CliContext& context, const QCommandLineParser& parser);
};

} // namespace qd::cli
