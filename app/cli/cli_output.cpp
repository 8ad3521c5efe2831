#include "cli_output.h"

namespace qd::cli {

QString oneLine(QString text, int maxLength)
{
    text.replace(u'\r', u' ');
    text.replace(u'\n', u' ');
    if (text.size() > maxLength)
        text = text.left(maxLength - 1) + u'…';
    return text;
}

// Prints rows as left-aligned columns separated by two spaces.
void printTable(QTextStream& out, const QList<QStringList>& rows)
{
    if (rows.isEmpty())
        return;
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList& row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], row[i].size());
    }
    for (const QStringList& row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (i + 1 == row.size())
                line += row[i];
            else
                line += row[i].leftJustified(widths[i] + 2);
        }
        out << line.trimmed() << Qt::endl;
    }
}

} // namespace qd::cli
