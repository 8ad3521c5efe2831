#include "amqptable.h"

#include "amqpconnection.h"

#include <QJsonArray>

namespace qd {

namespace {

QJsonValue fieldToJson(const amqp_field_value_t& field)
{
    switch (field.kind) {
    case AMQP_FIELD_KIND_BOOLEAN:
        return bool(field.value.boolean);
    case AMQP_FIELD_KIND_I8:
        return field.value.i8;
    case AMQP_FIELD_KIND_U8:
        return field.value.u8;
    case AMQP_FIELD_KIND_I16:
        return field.value.i16;
    case AMQP_FIELD_KIND_U16:
        return field.value.u16;
    case AMQP_FIELD_KIND_I32:
        return field.value.i32;
    case AMQP_FIELD_KIND_U32:
        return qint64(field.value.u32);
    case AMQP_FIELD_KIND_I64:
        return qint64(field.value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
        return double(field.value.u64);
    case AMQP_FIELD_KIND_F32:
        return double(field.value.f32);
    case AMQP_FIELD_KIND_F64:
        return field.value.f64;
    case AMQP_FIELD_KIND_DECIMAL: {
        double value = double(field.value.decimal.value);
        for (int i = 0; i < field.value.decimal.decimals; ++i)
            value /= 10;
        return value;
    }
    case AMQP_FIELD_KIND_UTF8:
        return toQString(field.value.bytes);
    case AMQP_FIELD_KIND_BYTES:
        return QString::fromLatin1(toByteArray(field.value.bytes).toBase64());
    case AMQP_FIELD_KIND_ARRAY: {
        QJsonArray array;
        for (int i = 0; i < field.value.array.num_entries; ++i)
            array.append(fieldToJson(field.value.array.entries[i]));
        return array;
    }
    case AMQP_FIELD_KIND_TABLE:
        return amqpTableToJson(field.value.table);
    case AMQP_FIELD_KIND_VOID:
    default:
        return QJsonValue::Null;
    }
}

} // namespace

QJsonObject amqpTableToJson(const amqp_table_t& table)
{
    QJsonObject object;
    for (int i = 0; i < table.num_entries; ++i)
        object.insert(toQString(table.entries[i].key), fieldToJson(table.entries[i].value));
    return object;
}

AmqpTableExtension::AmqpTableExtension(const amqp_table_t& base)
{
    m_entries.reserve(base.num_entries + 2);
    for (int i = 0; i < base.num_entries; ++i)
        m_entries.append(base.entries[i]);
}

void AmqpTableExtension::set(const QByteArray& key, const QByteArray& value)
{
    m_storage.append(key);
    m_storage.append(value);
    amqp_table_entry_t entry {};
    entry.key = amqpBytes(m_storage[m_storage.size() - 2]);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = amqpBytes(m_storage.last());
    for (amqp_table_entry_t& existing : m_entries) {
        if (toByteArray(existing.key) == key) {
            existing = entry;
            return;
        }
    }
    m_entries.append(entry);
}

amqp_table_t AmqpTableExtension::table()
{
    return amqp_table_t {int(m_entries.size()), m_entries.data()};
}

} // namespace qd
