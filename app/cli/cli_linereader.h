#pragma once

#include <QByteArray>

class QIODevice;

namespace qd::cli {

// Reads a device line by line in bounded memory: a line longer than maxLineBytes is not buffered whole but
// reported as TooLong as soon as it passes the limit (the rest of it is skipped, unread, when next() is called
// again). Lines end at '\n'; the '\n' is not part of the line ("\r" before it is). The last line may lack the '\n'.
// Memory: a read chunk of chunkBytes plus at most maxLineBytes of line, whatever the input.
// Thread contract: one thread at a time, like the device.
class LineReader {
public:
    enum class Status {
        Line, // `line` holds the next line
        TooLong, // the next line is longer than maxLineBytes; `line` is empty
        End, // no more input
        Error, // the device failed (its errorString() says why)
    };

    static constexpr qsizetype defaultChunkBytes = 64 * 1024;

    LineReader(QIODevice& device, qsizetype maxLineBytes, qsizetype chunkBytes = defaultChunkBytes);

    Status next(QByteArray& line);
    // The number of the line next() last returned (1-based; a TooLong line counts).
    qint64 lineNumber() const { return m_lineNumber; }
    qsizetype maxLineBytes() const { return m_maxLineBytes; }
    // The most memory the reader's buffers have held at once (chunk plus line capacity), for tests.
    qsizetype peakBufferBytes() const { return m_peakBufferBytes; }

private:
    bool fill(); // false at the end of the input or on an error (m_failed)
    void notePeak(const QByteArray& line);

    QIODevice& m_device;
    const qsizetype m_maxLineBytes;
    QByteArray m_chunk;
    qsizetype m_chunkUsed = 0; // bytes of m_chunk holding data
    qsizetype m_pos = 0; // the next unread byte in m_chunk
    bool m_skipping = false; // inside a TooLong line: drop bytes up to its '\n'
    bool m_failed = false;
    qint64 m_lineNumber = 0;
    qsizetype m_peakBufferBytes = 0;
};

} // namespace qd::cli
