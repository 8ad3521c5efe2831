#pragma once
// The store's side of encryption at rest: which keys a database uses, the key this process seals with, and the one
// place where task fields are sealed on their way in and opened on their way out.

#include "core/crypto/keyring.h"
#include "core/result.h"
#include "core/task.h"

#include <QSet>
#include <QStringList>

namespace qd::storeimpl {

// The sealed fields of a task; each seals with its own context, so a value moved to another field does not open.
enum class SealedField { Payload, Result, Error, EventDetail };

// The row of `encryption_keys` (schema 5) for one key id.
struct DatabaseKey {
    QString id;
    QByteArray checkValue; // a known text sealed with the key: a wrong key is told at open, before any write
    bool retired = false; // no value is sealed with it any more (keys rotate finished)
};

class StoreEncryption {
public:
    // `databaseKeys` oldest first; `keys` what the key file holds (empty: no key here). Unretired keys the file
    // lacks are looked up in the desktop keyring (see crypto/desktopkeyring.h: the calling thread waits for it).
    StoreEncryption(QList<DatabaseKey> databaseKeys, crypto::KeyRing keys, QString keyFile);

    // InvalidArgument, naming the key, when a key of this database is in the key file under its id but does not
    // open the check value (a wrong key).
    Status verify() const;
    // The newest unretired key of the database, when this process holds it.
    const crypto::DataKey* sealingKey() const { return m_sealingKey; }
    // Makes `id` the key new values are sealed with; reads the key file again when it lacks the key (keys rotate
    // adds the key to the file before the database names it).
    void setSealingKeyId(const QString& id);
    const QString& sealingKeyId() const { return m_sealingKeyId; }
    const QString& keyFile() const { return m_keyFile; }
    const crypto::KeyRing& keys() const { return m_keys; }
    // True when the sealing key came from the desktop keyring rather than the key file.
    bool sealingKeyInKeyring() const { return m_keyringIds.contains(m_sealingKeyId); }
    // Why the keyring could not be asked for a key the file lacks; empty when it answered (or was not asked).
    const QString& keyringError() const { return m_keyringError; }
    QStringList databaseKeyIds() const;

    // The error of a write of a sealed field without the key: nothing is written in plain text.
    Error noKeyError() const;
    // `plain` sealed for field `field` of task `taskId`; an error when this process has no key.
    Result<QByteArray> seal(SealedField field, qint64 taskId, QByteArrayView plain) const;
    // Opens what is sealed in place; a field that does not open reads "encrypted" and marks the task sealed.
    void open(Task& task) const;
    void open(TaskEvent& event) const;
    // A field's value opened, or the error saying why not (plain values come back as they are).
    Result<QByteArray> openField(SealedField field, qint64 taskId, QByteArrayView stored) const;

    // The text sealed as a key's check value.
    static QByteArray checkContext(const QString& keyId);
    static QByteArray checkText();

private:
    // Reads the key file again, then the desktop keyring, when they may hold `id` (a key keys rotate added since),
    // once per unknown id.
    void learnKey(const QString& id) const;
    // The key file's and the keyring's key `id` added to m_keys; false when neither holds it.
    bool fetchKey(const QString& id) const;

    QList<DatabaseKey> m_databaseKeys;
    mutable crypto::KeyRing m_keys;
    mutable QSet<QString> m_soughtIds; // ids looked for in the key file and not found
    mutable QSet<QString> m_keyringIds; // ids found in the desktop keyring
    mutable QString m_keyringError;
    QString m_keyFile;
    QString m_sealingKeyId;
    mutable const crypto::DataKey* m_sealingKey = nullptr; // into m_keys
};

} // namespace qd::storeimpl
