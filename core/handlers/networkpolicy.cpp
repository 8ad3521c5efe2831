#include "networkpolicy.h"

#include <QHostAddress>
#include <QJsonArray>

#include <array>
#include <utility>

namespace qd {

namespace {

const QLatin1String linkLocalKey("refuseLinkLocal");
const QLatin1String loopbackKey("refuseLoopback");
const QLatin1String privateKey("refusePrivate");
const QLatin1String allowedHostsKey("allowedHosts");

// The IPv4 address an IPv6 address carries when it is IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d),
// which reach the same host as the IPv4 address itself.
std::optional<QHostAddress> embeddedIpv4(const QHostAddress& address)
{
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return std::nullopt;
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    static constexpr std::array<quint8, 12> mapped {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static constexpr std::array<quint8, 12> nat64 {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    const auto hasPrefix = [&](const std::array<quint8, 12>& prefix) {
        for (std::size_t i = 0; i < prefix.size(); ++i) {
            if (bytes[int(i)] != prefix[i])
                return false;
        }
        return true;
    };
    if (!hasPrefix(mapped) && !hasPrefix(nat64))
        return std::nullopt;
    return QHostAddress(
        (quint32(bytes[12]) << 24) | (quint32(bytes[13]) << 16) | (quint32(bytes[14]) << 8) | quint32(bytes[15]));
}

bool inAny(const QHostAddress& address, std::initializer_list<std::pair<const char*, int>> subnets)
{
    for (const auto& [network, prefix] : subnets) {
        if (address.isInSubnet(QHostAddress(QLatin1String(network)), prefix))
            return true;
    }
    return false;
}

} // namespace

std::optional<QString> NetworkPolicy::refusal(const QHostAddress& given) const
{
    if (given.isNull())
        return QStringLiteral("not an IP address");
    const QHostAddress address = embeddedIpv4(given).value_or(given);
    const QString shown = given.toString();
    if (address.isMulticast() || address.isBroadcast()
        || inAny(address, {{"0.0.0.0", 8}, {"::", 128}, {"255.255.255.255", 32}}))
        return QStringLiteral("%1 is not a single host's address").arg(shown);
    if (refuseLinkLocal && (address.isLinkLocal() || inAny(address, {{"169.254.0.0", 16}, {"fd00:ec2::254", 128}})))
        return QStringLiteral("%1 is link-local (cloud metadata services live there); the network policy refuses it")
            .arg(shown);
    if (refuseLoopback && address.isLoopback())
        return QStringLiteral("%1 is this machine (loopback); the network policy refuses it").arg(shown);
    if (refusePrivate
        && (address.isUniqueLocalUnicast() || address.isSiteLocal()
            || inAny(address, {{"10.0.0.0", 8}, {"172.16.0.0", 12}, {"192.168.0.0", 16}, {"100.64.0.0", 10}})))
        return QStringLiteral("%1 is in a private range; the network policy refuses it").arg(shown);
    return std::nullopt;
}

std::optional<QString> NetworkPolicy::refusalBeforeLookup(const QString& host) const
{
    QString bare = host;
    if (bare.startsWith(QLatin1Char('[')) && bare.endsWith(QLatin1Char(']')))
        bare = bare.mid(1, bare.size() - 2);
    if (!allowedHosts.isEmpty() && !allowedHosts.contains(bare, Qt::CaseInsensitive))
        return QStringLiteral("%1 is not in the network policy's list of allowed hosts").arg(bare);
    const QHostAddress literal(bare);
    if (!literal.isNull())
        return refusal(literal);
    return std::nullopt;
}

QJsonObject NetworkPolicy::toJson() const
{
    return QJsonObject {
        {linkLocalKey, refuseLinkLocal},
        {loopbackKey, refuseLoopback},
        {privateKey, refusePrivate},
        {allowedHostsKey, QJsonArray::fromStringList(allowedHosts)},
    };
}

std::optional<NetworkPolicy> NetworkPolicy::fromJson(const QJsonObject& json, QString* error)
{
    const auto fail = [&](const QString& message) -> std::optional<NetworkPolicy> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    NetworkPolicy policy;
    for (auto [key, field] : {std::pair {linkLocalKey, &policy.refuseLinkLocal},
             std::pair {loopbackKey, &policy.refuseLoopback}, std::pair {privateKey, &policy.refusePrivate}}) {
        const QJsonValue value = json.value(key);
        if (value.isUndefined())
            continue;
        if (!value.isBool())
            return fail(QStringLiteral("\"%1\" must be true or false").arg(key));
        *field = value.toBool();
    }
    const QJsonValue hosts = json.value(allowedHostsKey);
    if (!hosts.isUndefined()) {
        if (!hosts.isArray())
            return fail(QStringLiteral("\"%1\" must be a list of host names").arg(allowedHostsKey));
        for (const QJsonValue& host : hosts.toArray()) {
            if (!host.isString() || host.toString().trimmed().isEmpty())
                return fail(QStringLiteral("\"%1\" must be a list of host names").arg(allowedHostsKey));
            policy.allowedHosts.append(host.toString().trimmed());
        }
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() != linkLocalKey && it.key() != loopbackKey && it.key() != privateKey
            && it.key() != allowedHostsKey)
            return fail(QStringLiteral("unknown network policy field \"%1\"").arg(it.key()));
    }
    return policy;
}

} // namespace qd
