#include "sourcestatepublisher.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QLoggingCategory>

namespace qd {

Q_DECLARE_LOGGING_CATEGORY(lcAmqp)

namespace {

SourceRunState runState(const QString& source, AmqpBridgeStatus::State state, const char* connected,
    const QString& reason, qint64 since, qint64 nextTryAt)
{
    SourceRunState s;
    s.source = source;
    switch (state) {
    case AmqpBridgeStatus::State::Stopped:
        s.state = QLatin1String(SourceRunState::stopped);
        break;
    case AmqpBridgeStatus::State::Connecting:
        s.state = QLatin1String(SourceRunState::connecting);
        break;
    case AmqpBridgeStatus::State::Connected:
        s.state = QLatin1String(connected);
        break;
    case AmqpBridgeStatus::State::Reconnecting:
        s.state = QLatin1String(SourceRunState::reconnecting);
        break;
    case AmqpBridgeStatus::State::Error:
        s.state = QLatin1String(SourceRunState::error);
        break;
    }
    s.detail = reason;
    s.since = since;
    s.nextTryAt = nextTryAt;
    return s;
}

} // namespace

SourceRunState bridgeRunState(const QString& source, const AmqpBridgeStatus& status)
{
    return runState(source, status.state, SourceRunState::consuming, status.reason, status.since, status.nextTryAt);
}

SourceRunState relayRunState(const QString& source, const AmqpRelayStatus& status)
{
    return runState(source, status.state, SourceRunState::publishing, status.reason, status.since, status.nextTryAt);
}

SourceStatePublisher::SourceStatePublisher(QueueEngine& engine, qint64 retryMs)
    : m_engine(engine)
    , m_processId(engine.ownerName())
    , m_retryMs(retryMs)
{
    if (!engine.isReadOnly())
        m_thread = std::thread([this] { run(); });
}

SourceStatePublisher::~SourceStatePublisher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void SourceStatePublisher::publish(SourceRunState state)
{
    if (m_engine.isReadOnly())
        return;
    state.processId = m_processId;
    {
        std::lock_guard lock(m_mutex);
        const QString name = state.source;
        m_pending.insert_or_assign(name, std::move(state));
    }
    m_wake.notify_all();
}

void SourceStatePublisher::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stop || !m_pending.empty(); });
        if (m_pending.empty())
            return; // stopping, nothing left
        std::map<QString, SourceRunState> batch;
        batch.swap(m_pending);
        const bool last = m_stop;
        lock.unlock();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const Status written = m_engine.runInWriter([&](TaskStore& store) -> Status {
            for (auto& [name, state] : batch) {
                state.updatedAt = now;
                if (Status s = store.setSourceRunState(state); !s.ok())
                    return s;
            }
            return success();
        });
        lock.lock();
        if (written.ok() || last)
            continue;
        qCWarning(lcAmqp).noquote() << written.errorString();
        for (auto& [name, state] : batch)
            m_pending.try_emplace(name, std::move(state)); // a newer state published meanwhile wins
        m_wake.wait_for(lock, std::chrono::milliseconds(m_retryMs), [this] { return m_stop; });
    }
}

} // namespace qd
