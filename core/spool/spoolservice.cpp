#include "spoolservice.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileSystemWatcher>
#include <QHash>
#include <QLoggingCategory>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

Q_LOGGING_CATEGORY(lcSpool, "qd.spool")

namespace qd {

// The service's half that lives on its thread: the store, the watcher, the timers and the spools.
class SpoolRunner : public QObject {
public:
    SpoolRunner(SpoolService& service, QueueEngine& engine, SpoolServiceOptions options)
        : m_service(service)
        , m_engine(engine)
        , m_options(std::move(options))
    { }

    void init()
    {
        StoreOptions storeOptions = m_options.store;
        Result<std::unique_ptr<TaskStore>> store = TaskStore::open(storeOptions);
        if (!store) {
            error(QStringLiteral("Spools cannot read the database: %1").arg(store.errorString()));
            return;
        }
        m_store = std::move(store).value();
        m_watcher = new QFileSystemWatcher(this);
        QObject::connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this](const QString& path) {
            for (auto& [name, spool] : m_spools) {
                if (spool.newDir == path || spool.stableDir == path)
                    spool.pending = true;
            }
            m_ingestSoon.start();
        });
        m_ingestSoon.setSingleShot(true);
        m_ingestSoon.setInterval(0);
        QObject::connect(&m_ingestSoon, &QTimer::timeout, this, [this] { ingestTurn(); });
        m_settleSoon.setSingleShot(true);
        QObject::connect(&m_settleSoon, &QTimer::timeout, this, [this] {
            for (auto& [name, spool] : m_spools)
                spool.pending = spool.pending || !spool.stableDir.isEmpty();
            ingestTurn();
        });
        m_finishSoon.setSingleShot(true);
        m_finishSoon.setInterval(10);
        QObject::connect(&m_finishSoon, &QTimer::timeout, this, [this] { finishEnded(); });
        QObject::connect(&m_rescan, &QTimer::timeout, this, [this] { rescan(); });
        m_rescan.start(int(m_options.rescanMs));
        QObject::connect(&m_sweep, &QTimer::timeout, this, [this] { sweep(); });
        m_sweep.start(int(m_options.sweepMs));
        QObject::connect(&m_tmpSweep, &QTimer::timeout, this, [this] {
            for (auto it = m_spools.begin(); it != m_spools.end(); ++it)
                removeStaleTmp(it->first, *it->second.ingester);
        });
        m_tmpSweep.start(int(std::min<qint64>(m_options.tmpSweepMs, std::numeric_limits<int>::max())));
        QObject::connect(&m_reload, &QTimer::timeout, this, [this] { reloadSources(); });
        m_reload.start(int(m_options.sourcesMs));
        QObject::connect(&m_engine, &QueueEngine::tasksChanged, this, [this](const QList<TaskChange>& changes) {
            for (const TaskChange& change : changes) {
                if (change.state != TaskState::Succeeded && change.state != TaskState::Failed
                    && change.state != TaskState::Cancelled)
                    continue;
                for (const auto& [name, spool] : m_spools) {
                    if (spool.ingester->tracks(change.id)) {
                        m_ended.insert(change.id);
                        break;
                    }
                }
            }
            if (!m_ended.isEmpty() && !m_finishSoon.isActive())
                m_finishSoon.start();
        });
        reloadSources();
    }

private:
    struct Spool {
        QByteArray config; // as stored, to see a change
        QString newDir;
        QString stableDir; // the stable-file mode's folder, when on
        std::unique_ptr<SpoolIngester> ingester;
        bool paused = false;
        bool pending = true; // new/ may hold files not yet taken
    };

    void error(const QString& message)
    {
        qCWarning(lcSpool).noquote() << message;
        if (m_errors.contains(message))
            return;
        m_errors.insert(message);
        Q_EMIT m_service.errorOccurred(message);
    }

    void reloadSources()
    {
        const Result<QList<SourceRecord>> rows = m_store->sources(QStringLiteral("spool"));
        if (!rows) {
            error(QStringLiteral("Cannot read the spools: %1").arg(rows.errorString()));
            return;
        }
        QSet<QString> seen;
        for (const SourceRecord& row : *rows) {
            seen.insert(row.name);
            auto it = m_spools.find(row.name);
            if (it != m_spools.end() && it->second.config == row.config) {
                if (it->second.paused != row.paused) {
                    it->second.paused = row.paused;
                    it->second.pending = true;
                    m_ingestSoon.start();
                }
                continue;
            }
            if (it != m_spools.end())
                drop(it);
            const Result<SpoolConfig> config = SpoolConfig::fromJson(row.config);
            if (!config) {
                error(QStringLiteral("Spool %1: %2").arg(row.name, config.errorString()));
                continue;
            }
            auto ingester = std::make_unique<SpoolIngester>(row.name, *config, m_engine, *m_store);
            ingester->onProblem = [this](const SpoolProblem& problem) { m_service.addProblem(problem); };
            if (Status s = ingester->prepare(); !s) {
                error(QStringLiteral("Spool %1: %2").arg(row.name, s.errorString()));
                continue;
            }
            Spool spool {row.config, QDir(config->dir).filePath(QStringLiteral("new")), config->stableFolder(),
                std::move(ingester), row.paused, true};
            m_watcher->addPath(spool.newDir);
            if (!spool.stableDir.isEmpty())
                m_watcher->addPath(spool.stableDir);
            const Result<int> adopted = spool.ingester->adoptCur();
            if (!adopted)
                error(QStringLiteral("Spool %1: %2").arg(row.name, adopted.errorString()));
            removeStaleTmp(row.name, *spool.ingester);
            m_spools.emplace(row.name, std::move(spool));
            m_ingestSoon.start();
        }
        for (auto it = m_spools.begin(); it != m_spools.end();) {
            if (seen.contains(it->first))
                ++it;
            else
                it = drop(it);
        }
    }

    std::map<QString, Spool>::iterator drop(std::map<QString, Spool>::iterator it)
    {
        const QString stableDir = it->second.stableDir;
        m_watcher->removePath(it->second.newDir);
        it = m_spools.erase(it);
        // Two spools may share a stable folder (different patterns): it stays watched while one uses it.
        if (!stableDir.isEmpty() && std::none_of(m_spools.begin(), m_spools.end(), [&](const auto& s) {
                return s.second.stableDir == stableDir;
            }))
            m_watcher->removePath(stableDir);
        return it;
    }

    // Takes up to chunkFiles files of each spool with work, then lets the event loop run (signals, stop).
    void ingestTurn()
    {
        bool more = false;
        for (auto it = m_spools.begin(); it != m_spools.end(); ++it) {
            Spool& spool = it->second;
            if (spool.paused || !spool.pending)
                continue;
            bool spoolMore = false;
            const Result<int> taken = spool.ingester->ingest(m_options.chunkFiles, &spoolMore);
            if (!taken) {
                error(QStringLiteral("Spool %1: %2").arg(it->first, taken.errorString()));
                spool.pending = false; // the rescan tries again
                continue;
            }
            {
                QMutexLocker lock(&m_service.m_mutex);
                m_service.m_ingested += *taken;
            }
            spool.pending = spoolMore;
            more = more || spoolMore;
        }
        if (more)
            m_ingestSoon.start();
        scheduleSettle();
    }

    // Stable-file mode: another turn when the next file of a stable folder may have settled.
    void scheduleSettle()
    {
        qint64 next = -1;
        for (const auto& [name, spool] : m_spools) {
            const qint64 ms = spool.paused ? -1 : spool.ingester->msUntilSettled();
            if (ms >= 0)
                next = next < 0 ? ms : std::min(next, ms);
        }
        if (next >= 0)
            m_settleSoon.start(int(std::min<qint64>(next + 5, m_options.rescanMs)));
    }

    void rescan()
    {
        for (auto it = m_spools.begin(); it != m_spools.end(); ++it) {
            it->second.pending = true;
            const Result<int> adopted = it->second.ingester->adoptCur();
            if (!adopted)
                error(QStringLiteral("Spool %1: %2").arg(it->first, adopted.errorString()));
        }
        m_ingestSoon.start();
    }

    void removeStaleTmp(const QString& name, SpoolIngester& ingester)
    {
        const Result<int> removed = ingester.removeStaleTmp(QDateTime::currentMSecsSinceEpoch(), m_options.staleTmpMs);
        if (!removed)
            error(QStringLiteral("Spool %1: %2").arg(name, removed.errorString()));
        else if (*removed > 0)
            qCInfo(lcSpool).noquote() << "spool" << name << "removed" << *removed << "stale file(s) from tmp/";
    }

    void finishEnded()
    {
        const QSet<qint64> ended = std::exchange(m_ended, {});
        finishWith(ended);
    }

    void sweep() { finishWith({}); }

    void finishWith(const QSet<qint64>& ended)
    {
        for (auto it = m_spools.begin(); it != m_spools.end(); ++it) {
            const Result<int> moved = it->second.ingester->finish(ended);
            if (!moved) {
                error(QStringLiteral("Spool %1: %2").arg(it->first, moved.errorString()));
                continue;
            }
            QMutexLocker lock(&m_service.m_mutex);
            m_service.m_finished += *moved;
        }
    }

    SpoolService& m_service;
    QueueEngine& m_engine;
    SpoolServiceOptions m_options;
    std::unique_ptr<TaskStore> m_store;
    QFileSystemWatcher* m_watcher = nullptr;
    // Children, so that moveToThread() takes them along (their members' destructors run before ~QObject).
    QTimer m_ingestSoon {this}, m_finishSoon {this}, m_rescan {this}, m_sweep {this}, m_reload {this},
        m_settleSoon {this}, m_tmpSweep {this};
    std::map<QString, Spool> m_spools; // by source name
    QSet<qint64> m_ended;
    QSet<QString> m_errors;
};

SpoolService::SpoolService(QueueEngine& engine, SpoolServiceOptions options, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
{
    m_thread.setObjectName(QStringLiteral("qd-spools"));
}

SpoolService::~SpoolService()
{
    m_thread.quit();
    m_thread.wait();
}

void SpoolService::start()
{
    if (m_runner)
        return;
    m_runner = new SpoolRunner(*this, m_engine, m_options);
    m_runner->moveToThread(&m_thread);
    // Created, run and deleted on the service's thread, so its timers and watcher never cross threads.
    connect(&m_thread, &QThread::started, m_runner, [runner = m_runner] { runner->init(); });
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
    m_thread.start();
}

void SpoolService::addProblem(const SpoolProblem& problem)
{
    qCDebug(lcSpool).noquote() << "spool" << problem.source << problem.file << problem.reason;
    {
        QMutexLocker lock(&m_mutex);
        m_problems.append(problem);
    }
    Q_EMIT problemFound(problem.source, problem.file, problem.reason);
}

QList<SpoolProblem> SpoolService::problems() const
{
    QMutexLocker lock(&m_mutex);
    return m_problems;
}

qint64 SpoolService::filesFinished() const
{
    QMutexLocker lock(&m_mutex);
    return m_finished;
}

qint64 SpoolService::filesIngested() const
{
    QMutexLocker lock(&m_mutex);
    return m_ingested;
}

} // namespace qd
