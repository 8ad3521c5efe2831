#include "heartbeat.h"

#include "enginelog.h"

#include "core/osaccount.h"
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QHostInfo>

namespace qd {

namespace {

// Who runs the process: the account's name, else $USER; "" (never a null text, which would bind as NULL) if none.
QString userName()
{
    if (QString account = processAccountName(); !account.isEmpty())
        return account;
    QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    return user.isNull() ? QStringLiteral("") : user;
}

} // namespace

Heartbeat::Heartbeat(const EngineOptions& options, QString owner)
{
    m_enabled = !options.processKind.isEmpty() && !options.store.readOnly && options.heartbeatIntervalMs > 0;
    m_self.id = std::move(owner);
    m_self.host = QHostInfo::localHostName();
    m_self.pid = QCoreApplication::applicationPid();
    m_self.kind = options.processKind;
    m_self.version = QStringLiteral(QUEUEDESK_VERSION);
    m_self.user = userName();
    m_self.startedAt = engineNowMs();
    m_self.beatMs = options.heartbeatIntervalMs;
    m_self.queues = QStringLiteral("*");
    m_nextBeat = m_self.startedAt; // the first cycle announces us
}

void Heartbeat::beat(TaskStore& store, qint64 now, int workers)
{
    m_nextBeat = now + m_self.beatMs;
    m_self.workers = workers;
    if (Status s = store.beatProcess(m_self, now, now - pruneAfterMs); !s) {
        qCWarning(lcEngine) << s.errorString();
        return;
    }
    m_written = true;
}

void Heartbeat::stop(TaskStore& store)
{
    if (!m_written)
        return;
    m_written = false;
    if (Status s = store.removeProcess(m_self.id); !s)
        qCWarning(lcEngine) << s.errorString();
}

} // namespace qd
