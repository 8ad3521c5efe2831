#pragma once

#include "core/monitoring/alertevaluator.h"

namespace qd::ui {

// Tells the admin outside the window that a rule fired (a desktop notification). Each window calls it once for each
// firing it reads in the alert history after it started, whichever process evaluated the rules. Tests inject one
// that counts.
//
// Thread contract: GUI thread only.
class AlertNotifier {
public:
    virtual ~AlertNotifier() = default;
    virtual void notifyFired(const AlertTransition& fired) = 0;
};

} // namespace qd::ui
