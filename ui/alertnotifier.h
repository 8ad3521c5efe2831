#pragma once

#include "core/monitoring/alertevaluator.h"

namespace qd::ui {

// Tells the admin outside the window that a rule fired (a desktop notification). The window calls it for each
// firing its own evaluation recorded, so across windows and processes a firing is notified once. Tests inject one
// that counts.
//
// Thread contract: GUI thread only.
class AlertNotifier {
public:
    virtual ~AlertNotifier() = default;
    virtual void notifyFired(const AlertTransition& fired) = 0;
};

} // namespace qd::ui
