#pragma once

#include "../taskhandler.h"

#include <QStringList>

#include <memory>

namespace qd {

class HandlerPolicy;

// Whether the "command" handler may run anything, and what. Off by default: running programs from a queue that
// anyone with write access to the database can fill is a decision an admin must take explicitly.
struct CommandHandlerSettings {
    bool enabled = false;
    // Programs as they must appear in a payload's "program", compared exactly (no PATH lookup is done for the
    // comparison, so "/usr/bin/gzip" allows only that path and "gzip" allows whatever "gzip" resolves to in PATH).
    QStringList allowedPrograms;
};

// Type "command": runs an allow-listed program with arguments, without a shell, and captures the end of its output.
//
// Payload:
//   program           (string, required)  must be in the allow-list
//   args              (array of strings, optional) passed as they are: no shell, no expansion
//   workingDirectory  (string, optional)  must exist
//   env               (object of strings, optional) added to the worker's environment
//   timeoutMs         (1..86400000, optional) default 300000; the task's own timeout still applies
//
// Result: exitCode, stdoutTail, stderrTail (the last 4 KiB of each, as text), stdoutBytes, stderrBytes, durationMs.
// Failures: a non-zero exit, a crash, a timeout and a stop request are retryable (the program ran, and the cause
// may well be transient: a busy resource, a flaky network); the handler being disabled, a program not in the
// allow-list, a program that cannot be started (not found, not executable) and a missing working directory are
// permanent. On a stop or a timeout the program gets SIGTERM, then SIGKILL 300 ms later.
//
// Settings are fixed at construction, or read from a HandlerPolicy (a database's command.allowedPrograms) at every
// validate() and run().
//
// Thread contract: run() and validate() may be called from any number of threads at once. run() blocks its thread in
// short waits (no event loop needed).
class CommandHandler final : public TaskHandler {
public:
    explicit CommandHandler(CommandHandlerSettings settings = {});
    explicit CommandHandler(std::shared_ptr<const HandlerPolicy> policy);

    // Built without settings of its own (disabled), or bound to another engine's policy: an engine replaces it by
    // one that follows its own database.
    bool followsDatabase() const { return m_policy || !m_settings.enabled; }
    // Reads its settings from a HandlerPolicy.
    bool followsPolicy() const { return m_policy != nullptr; }

    QString type() const override { return QStringLiteral("command"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;

private:
    CommandHandlerSettings settings() const;

    const CommandHandlerSettings m_settings;
    const std::shared_ptr<const HandlerPolicy> m_policy;
};

} // namespace qd
