#pragma once

#include <QString>

class QFileDevice;

namespace qd {

// Files only their owner may read or write (mode 0600), whatever the umask: databases, key files, exports.

// Restricts an open file (a QSaveFile's temporary file included, before its commit) to its owner.
bool restrictToOwner(QFileDevice& file);

// Creates `path` empty with mode 0600 unless it exists; true when it exists afterwards. A file that exists is left
// as it is (its mode included), so a caller may race other processes creating the same file.
bool createOwnerOnlyFile(const QString& path);

} // namespace qd
