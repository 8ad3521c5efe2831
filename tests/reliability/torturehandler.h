#pragma once

#include "core/taskhandler.h"

namespace qd::test {

// The "torture" task type of the reliability tests. Payload: ms (sleep), failUntil (attempts below it fail as
// retryable), permanent (fails for good), bytes (size of a filler string in the result, to make completions
// need new database pages). With a record descriptor, every run first appends "id attempt\n" to it with one
// write(), so a test can count how often each task really ran.
// Thread contract: stateless apart from the descriptor; run() is called from any worker thread at once.
class TortureHandler final : public TaskHandler {
public:
    explicit TortureHandler(int recordFd = -1);

    QString type() const override;
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;

private:
    int m_recordFd;
};

} // namespace qd::test
