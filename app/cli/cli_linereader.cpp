#include "cli_linereader.h"

#include <QIODevice>

#include <algorithm>
#include <cstring>

namespace qd::cli {

LineReader::LineReader(QIODevice& device, qsizetype maxLineBytes, qsizetype chunkBytes)
    : m_device(device)
    , m_maxLineBytes(maxLineBytes)
{
    m_chunk.resize(std::max<qsizetype>(chunkBytes, 1));
}

bool LineReader::fill()
{
    m_pos = 0;
    m_chunkUsed = 0;
    const qint64 n = m_device.read(m_chunk.data(), m_chunk.size());
    if (n < 0) {
        m_failed = true;
        return false;
    }
    m_chunkUsed = qsizetype(n);
    return n > 0;
}

void LineReader::notePeak(const QByteArray& line)
{
    m_peakBufferBytes = std::max(m_peakBufferBytes, m_chunk.capacity() + line.capacity());
}

LineReader::Status LineReader::next(QByteArray& line)
{
    line.resize(0); // keeps the capacity for the next line
    if (m_failed)
        return Status::Error;
    bool started = false; // some byte of a new line was seen
    for (;;) {
        if (m_pos >= m_chunkUsed && !fill()) {
            if (m_failed)
                return Status::Error;
            m_skipping = false;
            if (!started)
                return Status::End;
            ++m_lineNumber;
            return Status::Line; // the last line, without '\n'
        }
        const char* begin = m_chunk.constData() + m_pos;
        const qsizetype available = m_chunkUsed - m_pos;
        const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', size_t(available)));
        const qsizetype take = newline ? qsizetype(newline - begin) : available; // bytes of line content
        if (m_skipping) {
            // The rest of a line already reported as too long.
            m_pos += newline ? take + 1 : take;
            if (newline)
                m_skipping = false;
            continue;
        }
        started = true;
        if (line.size() + take > m_maxLineBytes) {
            ++m_lineNumber;
            m_pos += newline ? take + 1 : take;
            m_skipping = !newline;
            line.clear(); // gives the memory back
            return Status::TooLong;
        }
        line.append(begin, take);
        notePeak(line);
        m_pos += newline ? take + 1 : take;
        if (newline) {
            ++m_lineNumber;
            return Status::Line;
        }
    }
}

} // namespace qd::cli
