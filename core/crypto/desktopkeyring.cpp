#include "desktopkeyring.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QGuiApplication>
#include <QMutex>
#include <QThread>

#include <future>
#include <memory>

namespace qd::crypto {

namespace {

// The thread every QtKeychain job runs on: QtKeychain's job queue and libsecret's callbacks need an event loop, and
// one thread for all jobs keeps QtKeychain's queue on one thread.
QMutex keyringMutex;
QThread* keyringThread = nullptr;
QObject* keyringContext = nullptr;

void stopKeyringThread()
{
    QMutexLocker lock(&keyringMutex);
    if (!keyringThread)
        return;
    keyringThread->quit();
    keyringThread->wait();
    delete keyringContext;
    delete keyringThread;
    keyringContext = nullptr;
    keyringThread = nullptr;
}

// The object whose thread runs the jobs; null without a QCoreApplication.
QObject* jobContext()
{
    QMutexLocker lock(&keyringMutex);
    if (!keyringContext && QCoreApplication::instance()) {
        keyringThread = new QThread;
        keyringThread->setObjectName(QStringLiteral("QueueDesk keyring"));
        keyringContext = new QObject;
        keyringContext->moveToThread(keyringThread);
        keyringThread->start();
        qAddPostRoutine(stopKeyringThread);
    }
    return keyringContext;
}

// Copies sharing no data with the other thread's: each side drops its references on its own thread, QtKeychain's
// inside the library, whose reference counting TSan cannot see (it reported strings freed under the other side).
QString unshared(const QString& text)
{
    return QString(text.constData(), text.size());
}

QByteArray unshared(const QByteArray& bytes)
{
    return QByteArray(bytes.constData(), bytes.size());
}

struct JobOutcome {
    QKeychain::Error error = QKeychain::NoError;
    QString errorString;
    QByteArray data;
};

Result<JobOutcome> runJob(std::function<QKeychain::Job*()> makeJob)
{
    QCoreApplication* app = QCoreApplication::instance();
    if (app && qobject_cast<QGuiApplication*>(app) && app->thread() == QThread::currentThread())
        return Error {
            ErrorCode::Internal, QStringLiteral("The desktop keyring is never waited on from the GUI thread")};
    QObject* context = jobContext();
    if (!context)
        return Error {ErrorCode::Unavailable, QStringLiteral("The desktop keyring needs a QCoreApplication")};
    auto promise = std::make_shared<std::promise<JobOutcome>>();
    std::future<JobOutcome> outcome = promise->get_future();
    QMetaObject::invokeMethod(
        context,
        [makeJob = std::move(makeJob), promise] {
            QKeychain::Job* job = makeJob();
            job->setAutoDelete(true);
            QObject::connect(job, &QKeychain::Job::finished, job, [promise](QKeychain::Job* done) {
                JobOutcome result {done->error(), unshared(done->errorString()), {}};
                if (auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(done); read && !done->error())
                    result.data = unshared(read->binaryData());
                promise->set_value(std::move(result));
            });
            job->start();
        },
        Qt::QueuedConnection);
    const int timeout = keyringTimeoutMs();
    if (outcome.wait_for(std::chrono::milliseconds(timeout)) != std::future_status::ready)
        return Error {ErrorCode::Unavailable,
            QStringLiteral("The desktop keyring did not answer within %1 s").arg(timeout / 1000.0)};
    return outcome.get();
}

Error unavailable(const QString& what, const JobOutcome& outcome)
{
    return Error {ErrorCode::Unavailable,
        QStringLiteral("%1: the desktop keyring cannot be used (%2)")
            .arg(what, outcome.errorString.isEmpty() ? QStringLiteral("no keyring service") : outcome.errorString)};
}

} // namespace

QString keyringService()
{
    return QStringLiteral("QueueDesk");
}

int keyringTimeoutMs()
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("QUEUEDESK_KEYRING_TIMEOUT_MS", &ok);
    return ok && fromEnvironment > 0 ? fromEnvironment : 60000;
}

Result<DataKey> readKeyringKey(const QString& id)
{
    auto outcome = runJob([id = unshared(id)] {
        auto* job = new QKeychain::ReadPasswordJob(keyringService());
        job->setKey(id);
        return job;
    });
    if (!outcome)
        return outcome.error();
    if (outcome->error == QKeychain::EntryNotFound)
        return Error {ErrorCode::NotFound, QStringLiteral("The desktop keyring holds no key %1").arg(id)};
    if (outcome->error != QKeychain::NoError)
        return unavailable(QStringLiteral("Cannot read key %1").arg(id), *outcome);
    KeyRing check;
    const DataKey key {id, outcome->data};
    if (!check.add(key))
        return Error {ErrorCode::Corrupt,
            QStringLiteral("The desktop keyring's entry %1/%2 is not a QueueDesk key").arg(keyringService(), id)};
    return key;
}

Status writeKeyringKey(const DataKey& key)
{
    auto outcome = runJob([id = unshared(key.id), secret = unshared(key.secret)] {
        auto* job = new QKeychain::WritePasswordJob(keyringService());
        job->setKey(id);
        job->setBinaryData(secret);
        return job;
    });
    if (!outcome)
        return outcome.error();
    if (outcome->error != QKeychain::NoError)
        return unavailable(QStringLiteral("Cannot store key %1").arg(key.id), *outcome);
    return success();
}

Status deleteKeyringKey(const QString& id)
{
    auto outcome = runJob([id = unshared(id)] {
        auto* job = new QKeychain::DeletePasswordJob(keyringService());
        job->setKey(id);
        return job;
    });
    if (!outcome)
        return outcome.error();
    if (outcome->error != QKeychain::NoError && outcome->error != QKeychain::EntryNotFound)
        return unavailable(QStringLiteral("Cannot remove key %1").arg(id), *outcome);
    return success();
}

} // namespace qd::crypto
