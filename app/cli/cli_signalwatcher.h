#pragma once

#include <QObject>

#include <atomic>

class QSocketNotifier;

namespace qd::cli {

// Turns SIGINT and SIGTERM into a Qt signal (through a socketpair written by the async-signal-safe handler and a
// QSocketNotifier on the other end) and into a flag that long synchronous loops can poll.
// Thread contract: create, use and destroy in the main thread; at most one instance at a time. The previous
// signal dispositions come back when it is destroyed.
class SignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit SignalWatcher(QObject* parent = nullptr);
    ~SignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }
    // Set by the signal handler; stays set.
    static const std::atomic<bool>& interrupted();

Q_SIGNALS:
    void signalReceived(int signalNumber);

private:
    void readSignal();

    QSocketNotifier* m_notifier = nullptr;
};

} // namespace qd::cli
