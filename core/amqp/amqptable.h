#pragma once

#include <QJsonObject>
#include <QList>

#include <amqp.h>

namespace qd {

// An AMQP field table (message headers) as JSON: strings stay strings (byte arrays become base64 text), numbers
// become numbers (64-bit integers beyond 2^53 lose precision), timestamps numbers of seconds, decimals numbers,
// void null, nested tables objects and arrays arrays. Any thread.
QJsonObject amqpTableToJson(const amqp_table_t& table);

// A header table that adds entries to an existing one without copying it: the entries point into `base`'s memory
// and into this object's, so both must outlive the table's use (one publish).
class AmqpTableExtension {
public:
    explicit AmqpTableExtension(const amqp_table_t& base);
    // Adds (or replaces) a UTF-8 string entry.
    void set(const QByteArray& key, const QByteArray& value);
    amqp_table_t table();

private:
    QList<amqp_table_entry_t> m_entries;
    QList<QByteArray> m_storage; // keys and values of the entries added here
};

} // namespace qd
