#include "osaccount.h"

#include <QtGlobal>

#if defined(Q_OS_UNIX)
#include <pwd.h>
#include <unistd.h>

#include <vector>
#endif

namespace qd {

QString processAccountName()
{
    static const QString name = [] {
#if defined(Q_OS_UNIX)
        const long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
        std::vector<char> buffer(suggested > 0 ? size_t(suggested) : 16384);
        passwd entry {};
        passwd* found = nullptr;
        if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name)
            return QString::fromLocal8Bit(found->pw_name);
#endif
        return QString();
    }();
    return name;
}

} // namespace qd
