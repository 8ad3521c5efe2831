#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

class QHostAddress;

namespace qd {

// Where outbound requests of a handler (notify) may go. Checked on a literal address at enqueue, on every address a
// name resolves to before connecting, and again on every redirect.
//
// Always refused: unspecified (0.0.0.0, ::), multicast and broadcast addresses. Refused by default: link-local
// addresses (169.254/16, fe80::/10), which hold the cloud metadata services (169.254.169.254, fd00:ec2::254 is refused
// with them). Refusable: loopback (127/8, ::1) and private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7).
// An allow-list, when not empty, names the only hosts (exact names or literal addresses, case-insensitive) a request
// may go to; the address checks still apply to them.
//
// Thread contract: a value type; const members may be called from any number of threads at once.
struct NetworkPolicy {
    bool refuseLinkLocal = true;
    bool refuseLoopback = false;
    bool refusePrivate = false;
    QStringList allowedHosts;

    // Why a request to `address` is refused, or nothing when it may go. IPv4-mapped IPv6 addresses are judged as
    // the IPv4 address they carry.
    std::optional<QString> refusal(const QHostAddress& address) const;

    // Why a request to `host` (a name or a literal address, as in a URL) is refused before any lookup: the
    // allow-list, and the address checks when it is literal.
    std::optional<QString> refusalBeforeLookup(const QString& host) const;

    // Stored form (JSON object with the four fields); a missing field keeps its default, a wrong type is an error.
    QJsonObject toJson() const;
    static std::optional<NetworkPolicy> fromJson(const QJsonObject& json, QString* error = nullptr);
};

} // namespace qd
