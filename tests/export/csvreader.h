#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

// A strict RFC 4180 reader for the tests: every record ends with CRLF, a field is quoted when it holds a quote,
// comma, CR or LF, quotes inside are doubled. Anything else (a bare LF, a stray quote) is an error, so that the
// exporter's output is checked, not merely tolerated.
class CsvReader {
public:
    using Record = QList<QByteArray>;

    static bool parse(const QByteArray& data, QList<Record>& records, QString* error)
    {
        records.clear();
        qsizetype i = 0;
        const qsizetype n = data.size();
        Record record;
        while (i < n) {
            QByteArray field;
            if (data[i] == '"') {
                ++i;
                for (;;) {
                    if (i >= n)
                        return fail(error, QStringLiteral("unterminated quoted field"), i);
                    if (data[i] == '"') {
                        if (i + 1 < n && data[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    field += data[i++];
                }
            } else {
                while (i < n && data[i] != ',' && data[i] != '\r') {
                    if (data[i] == '"')
                        return fail(error, QStringLiteral("quote inside an unquoted field"), i);
                    if (data[i] == '\n')
                        return fail(error, QStringLiteral("bare LF inside an unquoted field"), i);
                    field += data[i++];
                }
            }
            record.append(field);
            if (i >= n)
                return fail(error, QStringLiteral("the last record does not end with CRLF"), i);
            if (data[i] == ',') {
                ++i;
                continue;
            }
            if (data[i] == '\r' && i + 1 < n && data[i + 1] == '\n') {
                i += 2;
                records.append(record);
                record.clear();
                continue;
            }
            return fail(error, QStringLiteral("expected a comma or CRLF after a field"), i);
        }
        return true;
    }

private:
    static bool fail(QString* error, const QString& message, qsizetype offset)
    {
        if (error)
            *error = QStringLiteral("%1 at byte %2").arg(message).arg(offset);
        return false;
    }
};
