#pragma once

// The receiving side of the TSan model of Qt's thread hand-overs (why and what: tsanqthandover.cpp). Only the
// ThreadSanitizer build of the ui tests uses it, through QD_UI_TEST_MAIN.
#include <QApplication>
#include <QEvent>

namespace qd::test {

void tsanHandoverRelease();
void tsanHandoverAcquire();

// Thread contract: like QApplication; notify() runs in the thread of the receiver.
class TsanApplication : public QApplication {
public:
    using QApplication::QApplication;

    bool notify(QObject* receiver, QEvent* event) override
    {
        // A queued call (slot, functor, queued signal's copied arguments) or a future's call-out: what the sender
        // did before posting it happened before this.
        if (event->type() == QEvent::MetaCall || event->type() == QEvent::FutureCallOut)
            tsanHandoverAcquire();
        return QApplication::notify(receiver, event);
    }
};

} // namespace qd::test
