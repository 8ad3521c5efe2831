// The network policy's decisions as a pure function: no packet is sent anywhere.
#include "core/handlers/networkpolicy.h"

#include <QJsonArray>
#include <QTest>

using namespace qd;

class NetworkPolicyTest : public QObject {
    Q_OBJECT

private slots:
    void addresses_data();
    void addresses();
    void allowList();
    void storedForm();
    void storedFormErrors_data();
    void storedFormErrors();
};

namespace {

NetworkPolicy strict()
{
    NetworkPolicy p;
    p.refuseLoopback = true;
    p.refusePrivate = true;
    return p;
}

NetworkPolicy open()
{
    NetworkPolicy p;
    p.refuseLinkLocal = false;
    return p;
}

} // namespace

void NetworkPolicyTest::addresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("byDefault"); // refused by a default policy
    QTest::addColumn<bool>("byStrict"); // refused with loopback and private refused too
    QTest::addColumn<bool>("byOpen"); // refused with link-local allowed

    QTest::newRow("public v4") << "93.184.216.34" << false << false << false;
    QTest::newRow("public v6") << "2606:2800:220:1::1" << false << false << false;
    QTest::newRow("metadata") << "169.254.169.254" << true << true << false;
    QTest::newRow("metadata mapped") << "::ffff:169.254.169.254" << true << true << false;
    QTest::newRow("metadata nat64") << "64:ff9b::a9fe:a9fe" << true << true << false;
    QTest::newRow("aws v6 metadata") << "fd00:ec2::254" << true << true << false;
    QTest::newRow("link-local v6") << "fe80::1" << true << true << false;
    QTest::newRow("loopback") << "127.0.0.1" << false << true << false;
    QTest::newRow("loopback 127/8") << "127.8.9.10" << false << true << false;
    QTest::newRow("loopback v6") << "::1" << false << true << false;
    QTest::newRow("loopback mapped") << "::ffff:127.0.0.1" << false << true << false;
    QTest::newRow("10/8") << "10.1.2.3" << false << true << false;
    QTest::newRow("172.16/12") << "172.31.255.1" << false << true << false;
    QTest::newRow("172.32 is public") << "172.32.0.1" << false << false << false;
    QTest::newRow("192.168/16") << "192.168.1.1" << false << true << false;
    QTest::newRow("carrier nat") << "100.64.0.1" << false << true << false;
    QTest::newRow("unique local v6") << "fd12:3456::1" << false << true << false;
    QTest::newRow("unspecified") << "0.0.0.0" << true << true << true;
    QTest::newRow("this network") << "0.1.2.3" << true << true << true;
    QTest::newRow("unspecified v6") << "::" << true << true << true;
    QTest::newRow("broadcast") << "255.255.255.255" << true << true << true;
    QTest::newRow("multicast") << "224.0.0.1" << true << true << true;
    QTest::newRow("multicast v6") << "ff02::1" << true << true << true;
}

void NetworkPolicyTest::addresses()
{
    QFETCH(QString, address);
    QFETCH(bool, byDefault);
    QFETCH(bool, byStrict);
    QFETCH(bool, byOpen);
    const QHostAddress a(address);
    QVERIFY2(!a.isNull(), qPrintable(address));
    QCOMPARE(NetworkPolicy().refusal(a).has_value(), byDefault);
    QCOMPARE(strict().refusal(a).has_value(), byStrict);
    QCOMPARE(open().refusal(a).has_value(), byOpen);
    if (auto why = NetworkPolicy().refusal(a))
        QVERIFY2(why->contains(address), qPrintable(*why));
    // A literal host in a URL is judged as its address, brackets and all.
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + address + u']' : address;
    QCOMPARE(NetworkPolicy().refusalBeforeLookup(host).has_value(), byDefault);
}

void NetworkPolicyTest::allowList()
{
    NetworkPolicy p;
    p.allowedHosts = {QStringLiteral("hooks.example.com"), QStringLiteral("203.0.113.7")};
    QVERIFY(!p.refusalBeforeLookup(QStringLiteral("hooks.example.com")));
    QVERIFY(!p.refusalBeforeLookup(QStringLiteral("HOOKS.Example.com")));
    QVERIFY(!p.refusalBeforeLookup(QStringLiteral("203.0.113.7")));
    const auto refused = p.refusalBeforeLookup(QStringLiteral("evil.example.com"));
    QVERIFY(refused);
    QVERIFY2(refused->contains(QLatin1String("allowed hosts")), qPrintable(*refused));
    // A name with the allowed one as a suffix is another host.
    QVERIFY(p.refusalBeforeLookup(QStringLiteral("hooks.example.com.evil.net")));
    // Listed does not lift the address checks.
    p.allowedHosts.append(QStringLiteral("169.254.169.254"));
    QVERIFY(p.refusalBeforeLookup(QStringLiteral("169.254.169.254")));
    // Names are not resolved here: an unlisted-free policy lets any name through to the lookup.
    QVERIFY(!NetworkPolicy().refusalBeforeLookup(QStringLiteral("metadata.google.internal")));
}

void NetworkPolicyTest::storedForm()
{
    NetworkPolicy p = strict();
    p.allowedHosts = {QStringLiteral("a.example"), QStringLiteral("b.example")};
    const auto back = NetworkPolicy::fromJson(p.toJson());
    QVERIFY(back);
    QCOMPARE(back->refuseLinkLocal, true);
    QCOMPARE(back->refuseLoopback, true);
    QCOMPARE(back->refusePrivate, true);
    QCOMPARE(back->allowedHosts, p.allowedHosts);
    const auto defaults = NetworkPolicy::fromJson(QJsonObject {});
    QVERIFY(defaults);
    QCOMPARE(defaults->refuseLinkLocal, true);
    QCOMPARE(defaults->refuseLoopback, false);
}

void NetworkPolicyTest::storedFormErrors_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not bool") << QJsonObject {{QStringLiteral("refuseLoopback"), 1}} << "refuseLoopback";
    QTest::newRow("hosts not list") << QJsonObject {{QStringLiteral("allowedHosts"), QStringLiteral("x")}}
                                    << "allowedHosts";
    QTest::newRow("empty host") << QJsonObject {{QStringLiteral("allowedHosts"), QJsonArray {QStringLiteral(" ")}}}
                                << "allowedHosts";
    QTest::newRow("unknown field") << QJsonObject {{QStringLiteral("refuseEverything"), true}} << "refuseEverything";
}

void NetworkPolicyTest::storedFormErrors()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, mentions);
    QString error;
    QVERIFY(!NetworkPolicy::fromJson(json, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

QTEST_GUILESS_MAIN(NetworkPolicyTest)
#include "tst_networkpolicy.moc"
