#pragma once

// A small tmpfs mounted for one test, to fill up a real file system; unmounted when the object goes. Needs root
// (and a system that lets it mount): otherwise mounted() is false and skipReason() says why.
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <unistd.h>

namespace qd::test {

class SmallTmpfs {
public:
    // size: as mount's size= option ("2m"); name: the device name `mount` shows.
    SmallTmpfs(const QString& size, const QString& name)
    {
        if (::geteuid() != 0) {
            m_skipReason = QStringLiteral("mounting a small file system (tmpfs) needs root");
            return;
        }
        m_mounted = m_dir.isValid()
            && QProcess::execute(QStringLiteral("mount"),
                   {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"), QStringLiteral("size=") + size,
                       name, m_dir.path()})
                == 0;
        if (!m_mounted)
            m_skipReason = QStringLiteral("cannot mount a tmpfs here");
    }
    ~SmallTmpfs()
    {
        if (m_mounted)
            QProcess::execute(QStringLiteral("umount"), {m_dir.path()});
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;

    bool mounted() const { return m_mounted; }
    const QString& skipReason() const { return m_skipReason; }
    QString filePath(const QString& name) const { return m_dir.filePath(name); }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
    QString m_skipReason;
};

} // namespace qd::test
