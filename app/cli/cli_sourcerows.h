#pragma once

#include <QString>

namespace qd::cli {

class CliContext;

// `spool|bridge remove|pause|resume NAME`: changes the row of the `sources` table named NAME when it is of `kind`
// (so `spool remove X` never removes a bridge called X), then says so; `label` names the kind for people
// ("Spool", "Bridge"). Thread contract: main thread.
int changeSourceRow(
    CliContext& context, const QString& kind, const QString& label, const QString& action, const QString& name);

} // namespace qd::cli
