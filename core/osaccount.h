#pragma once

#include <QString>

namespace qd {

// The name of the account the process runs as (its effective uid), looked up once with the reentrant getpwuid_r:
// getpwuid's static buffer raced between the heartbeat and the audit actor, each filled on its own thread. Empty when
// the account has no name (a container's bare uid).
QString processAccountName();

} // namespace qd
