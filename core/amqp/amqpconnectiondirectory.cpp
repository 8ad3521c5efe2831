#include "amqpconnectiondirectory.h"

#include <QProcessEnvironment>

namespace qd {

namespace {
const QString environmentPrefix = QStringLiteral("QUEUEDESK_AMQP_URL_");
}

AmqpConnectionDirectory& AmqpConnectionDirectory::instance()
{
    static AmqpConnectionDirectory directory;
    return directory;
}

bool AmqpConnectionDirectory::isValidName(const QString& name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        if (!((u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'_'
                || u == u'-'))
            return false;
    }
    return true;
}

Status AmqpConnectionDirectory::add(const QString& nameEqualsUrl)
{
    const qsizetype eq = nameEqualsUrl.indexOf(QLatin1Char('='));
    const QString name = nameEqualsUrl.left(eq);
    if (eq < 0 || !isValidName(name))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("An AMQP connection is NAME=URL, NAME of letters, digits, '_' and '-' (got the name \"%1\")")
                .arg(eq < 0 ? QStringLiteral("(no '=')") : name)};
    const Result<AmqpUrl> url = AmqpUrl::parse(nameEqualsUrl.mid(eq + 1));
    if (!url.ok())
        return Error {url.error().code, QStringLiteral("AMQP connection %1: %2").arg(name, url.errorString())};
    set(name, url.value());
    return success();
}

void AmqpConnectionDirectory::set(const QString& name, const AmqpUrl& url)
{
    QMutexLocker lock(&m_mutex);
    m_urls.insert(name, url);
}

Result<int> AmqpConnectionDirectory::addFromEnvironment()
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    int added = 0;
    for (const QString& key : env.keys()) {
        if (!key.startsWith(environmentPrefix) || key.size() == environmentPrefix.size())
            continue;
        const QString name = key.mid(environmentPrefix.size());
        if (find(name))
            continue;
        if (Status s = add(name + QLatin1Char('=') + env.value(key)); !s.ok())
            return Error {s.error().code, QStringLiteral("%1: %2").arg(key, s.errorString())};
        ++added;
    }
    return added;
}

std::optional<AmqpUrl> AmqpConnectionDirectory::find(const QString& name) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_urls.constFind(name);
    if (it == m_urls.cend())
        return std::nullopt;
    return *it;
}

void AmqpConnectionDirectory::clear()
{
    QMutexLocker lock(&m_mutex);
    m_urls.clear();
}

} // namespace qd
