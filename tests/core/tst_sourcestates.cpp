// Source states (`source_states`, see core/sourcerunstate.h): what a process running a source says it is doing, read
// with its process's heartbeat; the rows go with the process's row and with the source, orphans are pruned, and the
// publisher that bridges write through keeps only the newest state of each source. Runs on PostgreSQL and MariaDB too.
#include "core/amqp/sourcestatepublisher.h"
#include "core/queueengine.h"
#include "storetestutil.h"

#include <QDateTime>

using namespace qd;

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

ProcessRecord process(const QString& id)
{
    ProcessRecord p;
    p.id = id;
    p.host = QStringLiteral("host");
    p.pid = 42;
    p.kind = QStringLiteral("cli");
    p.version = QStringLiteral("test");
    p.user = QStringLiteral("me");
    p.startedAt = 1;
    p.beatMs = 5000;
    p.queues = QStringLiteral("*");
    return p;
}

SourceRunState state(const QString& source, const QString& processId, const char* name, qint64 at)
{
    SourceRunState s;
    s.source = source;
    s.processId = processId;
    s.state = QLatin1String(name);
    s.since = at;
    s.updatedAt = at;
    return s;
}

std::optional<SourceRunState> find(TaskStore& store, const QString& source, const QString& processId)
{
    const auto rows = store.sourceRunStates();
    if (!rows) {
        qWarning() << rows.errorString();
        return std::nullopt;
    }
    for (const SourceRunState& s : *rows) {
        if (s.source == source && s.processId == processId)
            return s;
    }
    return std::nullopt;
}

} // namespace

class TestSourceStates : public QObject {
    Q_OBJECT

private slots:
    void statesAreReplacedAndReadWithTheirProcess()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("states")));
        QVERIFY(store);
        const qint64 t = now();
        QVERIFY(store->beatProcess(process(QStringLiteral("h:1:a")), t, 0));
        SourceRunState lost = state(QStringLiteral("orders"), QStringLiteral("h:1:a"), SourceRunState::reconnecting, t);
        lost.detail = QStringLiteral("Connection refused");
        lost.nextTryAt = t + 400;
        QVERIFY(store->setSourceRunState(lost));
        // A process without a heartbeat row (one that does not beat, or is gone).
        QVERIFY(store->setSourceRunState(state(QStringLiteral("orders"), QStringLiteral("h:2:b"), "consuming", t)));

        std::optional<SourceRunState> a = find(*store, QStringLiteral("orders"), QStringLiteral("h:1:a"));
        QVERIFY(a);
        QCOMPARE(a->state, QStringLiteral("reconnecting"));
        QCOMPARE(a->detail, QStringLiteral("Connection refused"));
        QCOMPARE(a->since, t);
        QCOMPARE(a->nextTryAt, t + 400);
        QCOMPARE(a->processLastSeen, t);
        QCOMPARE(a->processBeatMs, qint64(5000));
        QVERIFY(a->isCurrent(t + 1000));
        QVERIFY(!a->isCurrent(t + 15'001)); // three beats missed: the process is lost, so is its word
        const std::optional<SourceRunState> b = find(*store, QStringLiteral("orders"), QStringLiteral("h:2:b"));
        QVERIFY(b);
        QCOMPARE(b->processLastSeen, qint64(0));
        QVERIFY(!b->isCurrent(t));

        // The same source and process: replaced, not added.
        SourceRunState back = state(QStringLiteral("orders"), QStringLiteral("h:1:a"), "consuming", t + 500);
        QVERIFY(store->setSourceRunState(back));
        a = find(*store, QStringLiteral("orders"), QStringLiteral("h:1:a"));
        QVERIFY(a);
        QCOMPARE(a->state, QStringLiteral("consuming"));
        QCOMPARE(a->detail, QString());
        QCOMPARE(a->nextTryAt, qint64(0));
        QCOMPARE(a->since, t + 500);
        QCOMPARE(store->sourceRunStates()->size(), 2);
    }

    void statesGoWithTheirProcessAndTheirSource()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("stategone")));
        QVERIFY(store);
        const qint64 t = now();
        QVERIFY(store->beatProcess(process(QStringLiteral("h:1:a")), t, 0));
        QVERIFY(store->beatProcess(process(QStringLiteral("h:2:b")), t, 0));
        QVERIFY(
            store->addSource(SourceRecord {0, QStringLiteral("amqp"), QStringLiteral("orders"), "{}", false, 0}, t));
        QVERIFY(store->setSourceRunState(state(QStringLiteral("orders"), QStringLiteral("h:1:a"), "consuming", t)));
        QVERIFY(store->setSourceRunState(state(QStringLiteral("orders"), QStringLiteral("h:2:b"), "consuming", t)));
        QVERIFY(store->setSourceRunState(state(QStringLiteral("other"), QStringLiteral("h:2:b"), "consuming", t)));

        QVERIFY(store->removeProcess(QStringLiteral("h:1:a"))); // a clean stop
        QVERIFY(!find(*store, QStringLiteral("orders"), QStringLiteral("h:1:a")));
        QVERIFY(find(*store, QStringLiteral("orders"), QStringLiteral("h:2:b")));

        QVERIFY(store->removeSource(QStringLiteral("orders")));
        QVERIFY(!find(*store, QStringLiteral("orders"), QStringLiteral("h:2:b")));
        QVERIFY(find(*store, QStringLiteral("other"), QStringLiteral("h:2:b")));
    }

    void orphanStatesArePrunedAfterAMinute()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("orphans")));
        QVERIFY(store);
        const qint64 t = now();
        // No heartbeat rows for these: one written two minutes ago, one just now (its process may not have beaten
        // yet), and one of a live process written long ago (a steady state is not written again).
        QVERIFY(store->setSourceRunState(state(QStringLiteral("s"), QStringLiteral("gone"), "consuming", t - 120'000)));
        QVERIFY(store->setSourceRunState(state(QStringLiteral("s"), QStringLiteral("new"), "connecting", t)));
        QVERIFY(store->beatProcess(process(QStringLiteral("live")), t - 200'000, 0));
        QVERIFY(store->setSourceRunState(state(QStringLiteral("s"), QStringLiteral("live"), "consuming", t - 200'000)));
        QVERIFY(store->beatProcess(process(QStringLiteral("live")), t, t - 86'400'000));
        QVERIFY(!find(*store, QStringLiteral("s"), QStringLiteral("gone")));
        QVERIFY(find(*store, QStringLiteral("s"), QStringLiteral("new")));
        QVERIFY(find(*store, QStringLiteral("s"), QStringLiteral("live")));
    }

    void publisherWritesTheNewestStateUnderTheEnginesId()
    {
        QTemporaryDir dir;
        EngineOptions options;
        options.store.path = test::testDatabase(dir, QStringLiteral("publisher"));
        options.processKind = QStringLiteral("cli");
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine, qPrintable(engine.errorString()));
        auto store = test::openStore(options.store.path);
        QVERIFY(store);
        {
            SourceStatePublisher publisher(**engine);
            AmqpBridgeStatus status;
            status.state = AmqpBridgeStatus::State::Connected;
            status.since = 1000;
            publisher.publish(bridgeRunState(QStringLiteral("orders"), status));
            status.state = AmqpBridgeStatus::State::Reconnecting;
            status.reason = QStringLiteral("Lost the connection");
            status.since = 2000;
            status.nextTryAt = 2200;
            publisher.publish(bridgeRunState(QStringLiteral("orders"), status));
            QTRY_VERIFY_WITH_TIMEOUT(find(*store, QStringLiteral("orders"), (*engine)->ownerName()), 5000);
            QTRY_COMPARE_WITH_TIMEOUT(find(*store, QStringLiteral("orders"), (*engine)->ownerName())->state,
                QStringLiteral("reconnecting"), 5000);
        }
        const std::optional<SourceRunState> s = find(*store, QStringLiteral("orders"), (*engine)->ownerName());
        QVERIFY(s);
        QCOMPARE(s->detail, QStringLiteral("Lost the connection"));
        QCOMPARE(s->since, qint64(2000));
        QCOMPARE(s->nextTryAt, qint64(2200));
        QVERIFY(s->updatedAt >= s->since);
        // The engine beats: the state is current.
        QTRY_VERIFY_WITH_TIMEOUT(
            find(*store, QStringLiteral("orders"), (*engine)->ownerName())->isCurrent(now()), 5000);
    }

    void bridgeStatesMapToTheirNames()
    {
        AmqpBridgeStatus status;
        const std::pair<AmqpBridgeStatus::State, const char*> names[] = {
            {AmqpBridgeStatus::State::Stopped, SourceRunState::stopped},
            {AmqpBridgeStatus::State::Connecting, SourceRunState::connecting},
            {AmqpBridgeStatus::State::Connected, SourceRunState::consuming},
            {AmqpBridgeStatus::State::Reconnecting, SourceRunState::reconnecting},
            {AmqpBridgeStatus::State::Error, SourceRunState::error},
        };
        for (const auto& [bridgeState, name] : names) {
            status.state = bridgeState;
            QCOMPARE(bridgeRunState(QStringLiteral("x"), status).state, QLatin1String(name));
        }
    }
};

QTEST_GUILESS_MAIN(TestSourceStates)
#include "tst_sourcestates.moc"
