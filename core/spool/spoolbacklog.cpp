#include "spoolbacklog.h"

#include "spoolfs.h"

#include <QFile>

#include <cerrno>
#include <sys/stat.h>

namespace qd {

using namespace spoolfs;

namespace {

// A sub-folder the service has not created yet (it has not run here) holds nothing: not an error.
Result<QList<QByteArray>> listIfPresent(const QByteArray& path)
{
    struct stat st { };
    if (::stat(path.constData(), &st) != 0 && errno == ENOENT)
        return QList<QByteArray>();
    return listDir(path);
}

} // namespace

SpoolBacklog readSpoolBacklog(const SpoolConfig& config)
{
    SpoolBacklog backlog;
    const QByteArray dir = QFile::encodeName(config.dir);
    struct stat st { };
    backlog.folderFound = ::stat(dir.constData(), &st) == 0 && S_ISDIR(st.st_mode);
    if (!backlog.folderFound)
        return backlog;
    if (const Result<QList<QByteArray>> names = listIfPresent(dir + "/new"); names)
        backlog.waiting = names->size();
    else
        backlog.error = names.errorString();
    if (const Result<QList<QByteArray>> names = listIfPresent(dir + "/failed"); names) {
        for (const QByteArray& name : *names)
            backlog.failedFiles += name.endsWith(".result.json") ? 0 : 1;
    } else if (backlog.error.isEmpty()) {
        backlog.error = names.errorString();
    }
    if (const QString stable = config.stableFolder(); !stable.isEmpty()) {
        const QByteArray folder = QFile::encodeName(stable);
        backlog.settling = 0;
        if (const Result<QList<QByteArray>> names = listIfPresent(folder); names) {
            for (const QByteArray& name : *names) {
                // Regular files only: the spool's own sub-folders live here when the stable folder is the spool's.
                const QByteArray path = folder + '/' + name;
                if (!name.startsWith('.') && ::lstat(path.constData(), &st) == 0 && S_ISREG(st.st_mode))
                    ++backlog.settling;
            }
        } else if (backlog.error.isEmpty()) {
            backlog.error = names.errorString();
        }
    }
    return backlog;
}

} // namespace qd
