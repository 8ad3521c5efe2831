#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace qd {

// A spool's settings, kept as the JSON text of its row in the `sources` table (kind "spool").
//   dir              the spool folder (absolute); tmp/, new/, cur/, done/ and failed/ live in it
//   type             data files become tasks of this type (empty: only task files are taken)
//   pattern          a glob on the file name: which files are data files (empty with a type: every file that is
//                    not a task file, *.json or *.jsonl)
//   payloadTemplate  the data task's payload, a JSON object whose strings may hold {path} (the file, absolute,
//                    in cur/), {name}, {stem} (the name without its last extension), {ext} (that extension,
//                    without the dot) and {spool} (the spool folder)
//   queue            the data tasks' queue (default "default"); task files name their own
//   stableMs         0: producers write into tmp/ and rename into new/ (the maildir way). > 0: the stable-file mode
//                    as well, for producers that cannot rename: files of stableDir are moved into new/ once they
//                    have not changed for this long (see SpoolSettler)
//   stableDir        the folder of the stable-file mode (absolute; empty: the spool folder itself)
// Configurations stored before a key existed read as its default.
struct SpoolConfig {
    QString dir;
    QString type;
    QString pattern;
    QJsonObject payloadTemplate;
    QString queue = QStringLiteral("default");
    qint64 stableMs = 0;
    QString stableDir {}; // "{}": aggregate initializations may stop before it without a warning

    QByteArray toJson() const;
    // Checks what can be checked without the file system and the handlers: an absolute folder, a queue name, a
    // pattern that needs a type, a stable-file mode that makes sense.
    static Result<SpoolConfig> fromJson(const QByteArray& json);
    std::optional<Error> check() const;

    // The payload for the data file `name` found in cur/ (placeholders replaced in every string, keys included).
    QByteArray payloadFor(const QString& name) const;
    // The folder the stable-file mode takes files from (empty when it is off).
    QString stableFolder() const;
};

} // namespace qd
