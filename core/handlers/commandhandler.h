#pragma once

#include "../taskhandler.h"

#include <QStringList>

namespace qd {

struct CommandHandlerSettings {
    bool enabled = false;
    QStringList allowedPrograms;
};

} // namespace qd
