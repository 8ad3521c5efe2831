#pragma once
// The store's side of encryption at rest: which keys a database uses (for the whole database or for one queue), the
// key this process seals each queue's values with, and the one place where task fields are sealed on their way in
// and opened on their way out.

#include "core/crypto/keyring.h"
#include "core/result.h"
#include "core/task.h"

#include <QHash>
#include <QSet>
#include <QStringList>

namespace qd::storeimpl {

// The sealed fields of a task; each seals with its own context, so a value moved to another field does not open.
enum class SealedField { Payload, Result, Error, EventDetail };

// The row of `encryption_keys` (schema 5; `queue` schema 14) for one key id.
struct DatabaseKey {
    QString id;
    QByteArray checkValue; // a known text sealed with the key: a wrong key is told at open, before any write
    bool retired = false; // no value is sealed with it any more (keys rotate finished)
    QString queue; // the one queue it seals; empty: every queue without a key of its own
};

class StoreEncryption {
public:
    // `databaseKeys` oldest first; `keys` what the key file holds (empty: no key here). Unretired keys the file
    // lacks are looked up in the desktop keyring (see crypto/desktopkeyring.h: the calling thread waits for it).
    StoreEncryption(QList<DatabaseKey> databaseKeys, crypto::KeyRing keys, QString keyFile);

    // InvalidArgument, naming the key, when a key of this database is in the key file under its id but does not
    // open the check value (a wrong key).
    Status verify() const;

    // The id of the key that seals `queue`'s new values: its own newest unretired key, else the database's; empty
    // when the queue's values stay plain.
    QString sealingKeyId(const QString& queue) const;
    bool seals(const QString& queue) const { return !sealingKeyId(queue).isEmpty(); }
    // That key, when this process holds it (reads the key file and the keyring once for a key it lacks).
    const crypto::DataKey* sealingKey(const QString& queue) const;
    // The newest unretired key of `scope` ("" the database's own, for every queue without one; else a queue's own)
    // and that key when this process holds it.
    QString scopeSealingKeyId(const QString& scope) const { return m_sealingIds.value(scope); }
    const crypto::DataKey* scopeSealingKey(const QString& scope) const;
    // The newest unretired key of each scope ("" the database, else a queue): what the database says now.
    void setSealingKeyIds(const QHash<QString, QString>& idsByScope);
    // Queues with keys of their own, sorted.
    QStringList keyedQueues() const;
    bool hasQueueKeys() const { return m_sealingIds.size() > (m_sealingIds.contains(QString()) ? 1 : 0); }

    const QString& keyFile() const { return m_keyFile; }
    // True when the key was found in the desktop keyring rather than the key file.
    bool inKeyring(const QString& keyId) const { return m_keyringIds.contains(keyId); }
    // Why the keyring could not be asked for a key the file lacks; empty when it answered (or was not asked).
    const QString& keyringError() const { return m_keyringError; }

    // True the first time a claim of `queue` is refused for want of its key (the warning is given once).
    bool firstRefusal(const QString& queue) const;
    // The error of a write of a sealed field of `queue` without the key: nothing is written in plain text.
    Error noKeyError(const QString& queue) const;
    // `plain` sealed for field `field` of task `taskId` of `queue`; an error when this process lacks the key. Call
    // only for a queue that seals().
    Result<QByteArray> seal(SealedField field, qint64 taskId, const QString& queue, QByteArrayView plain) const;
    // Opens what is sealed in place; a field that does not open reads "encrypted" and marks the task sealed.
    void open(Task& task) const;
    void open(TaskEvent& event) const;
    // A field's value opened, or the error saying why not (plain values come back as they are).
    Result<QByteArray> openField(SealedField field, qint64 taskId, QByteArrayView stored) const;
    // Seals `plain` as openField() opens it: with the key `keyId` (which this process must hold).
    Result<QByteArray> sealWith(const QString& keyId, SealedField field, qint64 taskId, QByteArrayView plain) const;

    // The text sealed as a key's check value.
    static QByteArray checkContext(const QString& keyId);
    static QByteArray checkText();

private:
    // Reads the key file again, then the desktop keyring, when they may hold `id` (a key keys rotate added since),
    // once per unknown id.
    void learnKey(const QString& id) const;
    // The key file's or the keyring's key `id` added to m_keys; false when neither holds it.
    bool fetchKey(const QString& id) const;

    QList<DatabaseKey> m_databaseKeys;
    mutable crypto::KeyRing m_keys;
    mutable QSet<QString> m_soughtIds; // ids looked for in the key file and the keyring
    mutable QSet<QString> m_keyringIds; // ids found in the desktop keyring
    mutable QString m_keyringError;
    mutable QSet<QString> m_refusedQueues; // queues whose claims were refused for want of the key
    QString m_keyFile;
    QHash<QString, QString> m_sealingIds; // scope ("" the database, else a queue) -> its newest unretired key
};

} // namespace qd::storeimpl
