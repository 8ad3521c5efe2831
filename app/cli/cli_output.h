#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QTextStream>

namespace qd::cli {

// Text output for people, shared by the commands (JSON output goes through CliContext::printJson).

// `text` on one line (line breaks as spaces), cut to maxLength characters with an ellipsis.
QString oneLine(QString text, int maxLength);

// Prints rows as left-aligned columns separated by two spaces; the first row is usually the header.
void printTable(QTextStream& out, const QList<QStringList>& rows);

} // namespace qd::cli
