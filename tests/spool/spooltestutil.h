#pragma once

// Helpers shared by the spool tests: files dropped the way producers do (tmp/, then a rename into new/).
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <cstdio>

namespace qd::test {

inline bool dropFile(const QString& spool, const QString& name, const QByteArray& content)
{
    const QString tmp = spool + QStringLiteral("/tmp/") + name;
    QFile file(tmp);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return false;
    file.close();
    return std::rename(QFile::encodeName(tmp).constData(),
               QFile::encodeName(spool + QStringLiteral("/new/") + name).constData())
        == 0;
}

inline QStringList filesIn(const QString& spool, const QString& folder)
{
    return QDir(spool + u'/' + folder).entryList(QDir::Files | QDir::System | QDir::Hidden, QDir::Name);
}

} // namespace qd::test
