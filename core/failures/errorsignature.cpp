// The error-signature normaliser: one pass over the text, no regular expressions, because every failed attempt of a
// cluster query goes through it.
#include "errorsignature.h"

#include <QCryptographicHash>

namespace qd {

namespace {

bool isAsciiDigit(QChar c)
{
    return c.unicode() >= '0' && c.unicode() <= '9';
}
bool isHexDigit(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
}
bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_');
}
// Ends a path, a URL or a word: white space, quotes and the punctuation that usually follows them in a sentence.
bool endsToken(QChar c)
{
    return c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char(',')
        || c == QLatin1Char(';') || c == QLatin1Char(')') || c == QLatin1Char(']') || c == QLatin1Char('>');
}

class Normaliser {
public:
    explicit Normaliser(QStringView text)
        : m_text(text)
    {
        m_out.reserve(text.size());
    }

    QString run()
    {
        qsizetype i = 0;
        const qsizetype n = m_text.size();
        while (i < n) {
            const QChar c = m_text[i];
            if (c.isSpace()) {
                while (i < n && m_text[i].isSpace())
                    ++i;
                if (!m_out.isEmpty())
                    m_pendingSpace = true;
                continue;
            }
            const bool boundary = i == 0 || !isWordChar(m_text[i - 1]);
            qsizetype end = 0;
            if (boundary && (c == QLatin1Char('"') || c == QLatin1Char('\'')) && (end = quoted(i)) > 0) {
                put(QLatin1String("<value>"));
            } else if (c == QLatin1Char('/') && (i == 0 || !(isWordChar(m_text[i - 1]) || m_text[i - 1] == c))
                && (end = path(i)) > 0) {
                put(QLatin1String("<path>"));
            } else if (boundary && c.isLetterOrNumber() && (end = url(i)) > 0) {
                put(QLatin1String("<url>"));
            } else if (boundary && isHexDigit(c) && (end = uuid(i)) > 0) {
                put(QLatin1String("<uuid>"));
            } else if (boundary && isAsciiDigit(c) && ((end = isoTime(i)) > 0 || (end = clockTime(i)) > 0)) {
                put(QLatin1String("<time>"));
            } else if (boundary && isHexDigit(c) && (end = hexId(i)) > 0) {
                put(QLatin1String("<hex>"));
            } else if (isAsciiDigit(c)) {
                end = number(i);
                put(QLatin1String("<n>"));
            } else {
                end = i + 1;
                if (m_pendingSpace)
                    m_out += QLatin1Char(' ');
                m_pendingSpace = false;
                m_out += c;
            }
            i = end;
        }
        return m_out;
    }

private:
    void put(QLatin1String placeholder)
    {
        if (m_pendingSpace)
            m_out += QLatin1Char(' ');
        m_pendingSpace = false;
        m_out += placeholder;
    }
    QChar at(qsizetype i) const { return i < m_text.size() ? m_text[i] : QChar(); }

    // 'value' or "value" on one line, at most 512 characters; the end, or 0 when it is not closed.
    qsizetype quoted(qsizetype i) const
    {
        const QChar quote = m_text[i];
        for (qsizetype j = i + 1; j < m_text.size() && j - i <= 512; ++j) {
            if (m_text[j] == QLatin1Char('\n'))
                return 0;
            if (m_text[j] == quote)
                return (j + 1 < m_text.size() && isWordChar(m_text[j + 1])) ? 0 : j + 1; // an apostrophe: it's
        }
        return 0;
    }
    // /a/b, /tmp/x.png: a slash followed by a path character.
    qsizetype path(qsizetype i) const
    {
        const QChar next = at(i + 1);
        if (next.isNull() || endsToken(next) || next == QLatin1Char('/'))
            return 0;
        qsizetype j = i + 1;
        while (j < m_text.size() && !endsToken(m_text[j]))
            ++j;
        // A sentence's last full stop or colon is not part of the path.
        while (j > i + 2 && (m_text[j - 1] == QLatin1Char('.') || m_text[j - 1] == QLatin1Char(':')))
            --j;
        return j;
    }
    // scheme://anything up to white space.
    qsizetype url(qsizetype i) const
    {
        qsizetype j = i;
        while (j < m_text.size() && j - i < 16
            && (m_text[j].isLetterOrNumber() || m_text[j] == QLatin1Char('+') || m_text[j] == QLatin1Char('.')
                || m_text[j] == QLatin1Char('-')))
            ++j;
        if (j == i || !m_text[i].isLetter() || m_text.sliced(j).left(3) != QLatin1String("://"))
            return 0;
        j += 3;
        while (j < m_text.size() && !endsToken(m_text[j]))
            ++j;
        while (j > i && (m_text[j - 1] == QLatin1Char('.') || m_text[j - 1] == QLatin1Char(':')))
            --j;
        return j;
    }
    // Exactly `count` characters matching `pred` from j; the index after them, or 0.
    template <typename Pred> qsizetype run(qsizetype j, int count, Pred pred) const
    {
        for (int k = 0; k < count; ++k, ++j) {
            if (j >= m_text.size() || !pred(m_text[j]))
                return 0;
        }
        return j;
    }
    qsizetype expect(qsizetype j, char c) const { return j > 0 && at(j) == QLatin1Char(c) ? j + 1 : 0; }
    bool endsWord(qsizetype j) const { return j >= m_text.size() || !isWordChar(m_text[j]); }
    // 8-4-4-4-12 hex digits.
    qsizetype uuid(qsizetype i) const
    {
        qsizetype j = run(i, 8, isHexDigit);
        for (int group : {4, 4, 4, 12}) {
            j = expect(j, '-');
            j = j ? run(j, group, isHexDigit) : 0;
        }
        return j && endsWord(j) ? j : 0;
    }
    // hh:mm, hh:mm:ss and fractions of a second, from j; 0 when there is none.
    qsizetype clockAt(qsizetype j) const
    {
        j = run(j, 2, isAsciiDigit);
        j = expect(j, ':');
        j = j ? run(j, 2, isAsciiDigit) : 0;
        if (!j)
            return 0;
        if (at(j) == QLatin1Char(':') && isAsciiDigit(at(j + 1))) {
            j = run(j + 1, 2, isAsciiDigit);
            if (j && (at(j) == QLatin1Char('.') || at(j) == QLatin1Char(',')) && isAsciiDigit(at(j + 1))) {
                ++j;
                while (isAsciiDigit(at(j)))
                    ++j;
            }
        }
        return j;
    }
    // YYYY-MM-DD, optionally with a time ('T' or a space) and a zone (Z, +hh:mm, +hhmm).
    qsizetype isoTime(qsizetype i) const
    {
        qsizetype j = run(i, 4, isAsciiDigit);
        j = expect(j, '-');
        j = j ? run(j, 2, isAsciiDigit) : 0;
        j = expect(j, '-');
        j = j ? run(j, 2, isAsciiDigit) : 0;
        if (!j)
            return 0;
        if ((at(j) == QLatin1Char('T') || at(j) == QLatin1Char(' ')) && isAsciiDigit(at(j + 1))) {
            if (const qsizetype t = clockAt(j + 1)) {
                j = t;
                if (at(j) == QLatin1Char('Z')) {
                    ++j;
                } else if (at(j) == QLatin1Char('+') || at(j) == QLatin1Char('-')) {
                    qsizetype z = run(j + 1, 2, isAsciiDigit);
                    if (z && at(z) == QLatin1Char(':'))
                        ++z;
                    z = z ? run(z, 2, isAsciiDigit) : 0;
                    if (z)
                        j = z;
                }
            }
        }
        return endsWord(j) ? j : 0;
    }
    qsizetype clockTime(qsizetype i) const
    {
        const qsizetype j = clockAt(i);
        return j && endsWord(j) ? j : 0;
    }
    // 0x1f..., or a word of 8 or more hex digits with at least one digit and one letter (all digits is a number).
    qsizetype hexId(qsizetype i) const
    {
        if (m_text[i] == QLatin1Char('0') && (at(i + 1) == QLatin1Char('x') || at(i + 1) == QLatin1Char('X'))
            && isHexDigit(at(i + 2))) {
            qsizetype j = i + 2;
            while (isHexDigit(at(j)))
                ++j;
            return endsWord(j) ? j : 0;
        }
        qsizetype j = i;
        bool digit = false, letter = false;
        while (isHexDigit(at(j))) {
            (isAsciiDigit(m_text[j]) ? digit : letter) = true;
            ++j;
        }
        return j - i >= 8 && digit && letter && endsWord(j) ? j : 0;
    }
    // Digits, with decimal parts or dotted groups (1.5, 10.0.0.1, 1.2.3).
    qsizetype number(qsizetype i) const
    {
        qsizetype j = i;
        while (true) {
            while (isAsciiDigit(at(j)))
                ++j;
            if (at(j) == QLatin1Char('.') && isAsciiDigit(at(j + 1)))
                ++j;
            else
                return j;
        }
    }

    QStringView m_text;
    QString m_out;
    bool m_pendingSpace = false;
};

} // namespace

QString errorSignature(const QString& error)
{
    QStringView text(error);
    static const QLatin1String exhausted(" (attempts exhausted: ");
    if (text.endsWith(QLatin1Char(')'))) {
        if (const qsizetype at = text.lastIndexOf(exhausted); at >= 0)
            text = text.first(at);
    }
    return Normaliser(text).run();
}

QString errorSignatureId(const QString& signature)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(signature.toUtf8(), QCryptographicHash::Sha256).toHex().left(12));
}

} // namespace qd
