// The two examples end to end, through SpoolService and an engine with workers: 50 photos dropped into a
// data-file spool (*.jpg -> "image" tasks writing thumbs/NAME.webp) and 5 access logs written in place into a
// stable-file spool (*.log -> "logstats"); each file ends in done/ with its result, and the thumbnails and log
// summaries are there.
#include "spooltestutil.h"

#include "tests/core/storetestutil.h"

#include "core/queueengine.h"
#include "core/spool/spoolservice.h"
#include "core/taskstore.h"

#include <QBuffer>
#include <QImage>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTest>

using namespace qd;
using namespace qd::test;

namespace {

constexpr int photos = 50;
constexpr int logs = 5;
constexpr int linesPerLog = 1000;

QByteArray photo(int i)
{
    QImage image(320, 240, QImage::Format_RGB32);
    image.fill(QColor::fromHsv((i * 37) % 360, 200, 220));
    QPainter painter(&image);
    painter.fillRect(20 + i, 30, 120, 90, Qt::white);
    painter.drawEllipse(QPoint(200, 120), 60 - i % 20, 40);
    painter.end();
    QByteArray jpeg;
    QBuffer buffer(&jpeg);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 80);
    return jpeg;
}

// An access log in the common format: paths /page/0../page/9, one request in ten a 404.
QByteArray accessLog(int log)
{
    QByteArray text;
    for (int i = 0; i < linesPerLog; ++i)
        text += "10.0.0." + QByteArray::number(log) + " - - [12/Mar/2024:10:" + QByteArray::number(10 + i / 60) + ':'
            + QByteArray::number(10 + i % 50) + " +0000] \"GET /page/" + QByteArray::number(i % 10) + " HTTP/1.1\" "
            + (i % 10 == 9 ? "404" : "200") + ' ' + QByteArray::number(100 + i) + '\n';
    return text;
}

QJsonObject resultFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

} // namespace

class TestSpoolExamples : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void photosBecomeThumbnailsAndLogsSummaries();

private:
    QTemporaryDir m_dir;
};

void TestSpoolExamples::photosBecomeThumbnailsAndLogsSummaries()
{
    if (!QImageWriter::supportedImageFormats().contains("webp"))
        QSKIP("no Qt image plugin writes WebP here");
    EngineOptions options;
    std::unique_ptr<QueueEngine> engine;
    std::unique_ptr<TaskStore> reader;
    QVERIFY(openTestEngine(m_dir, QStringLiteral("examples"), 2, options, engine, reader));
    const QString photoDir = m_dir.filePath(QStringLiteral("photos"));
    const QString logDir = m_dir.filePath(QStringLiteral("logs"));
    SpoolConfig photoSpool;
    photoSpool.dir = photoDir;
    photoSpool.type = QStringLiteral("image");
    photoSpool.pattern = QStringLiteral("*.jpg");
    photoSpool.queue = QStringLiteral("images");
    photoSpool.payloadTemplate = QJsonObject {{QStringLiteral("input"), QStringLiteral("{path}")},
        {QStringLiteral("output"), QStringLiteral("{spool}/thumbs/{stem}.webp")}, {QStringLiteral("width"), 96},
        {QStringLiteral("height"), 96}};
    SpoolConfig logSpool;
    logSpool.dir = logDir;
    logSpool.type = QStringLiteral("logstats");
    logSpool.pattern = QStringLiteral("*.log");
    logSpool.queue = QStringLiteral("logs");
    logSpool.payloadTemplate = QJsonObject {{QStringLiteral("path"), QStringLiteral("{path}")}};
    logSpool.stableMs = 300; // rotated logs land in the folder itself
    QVERIFY(engine->runInWriter([&](TaskStore& store) -> Status {
        for (const auto& [name, config] :
            {std::pair {QStringLiteral("photos"), photoSpool}, std::pair {QStringLiteral("logs"), logSpool}}) {
            if (Status s
                = store.addSource(SourceRecord {0, QStringLiteral("spool"), name, config.toJson(), false, 0}, 1);
                !s)
                return s;
        }
        return success();
    }));
    SpoolServiceOptions spoolOptions;
    spoolOptions.store = options.store;
    SpoolService service(*engine, spoolOptions);
    service.start();
    QTRY_VERIFY(
        QFileInfo::exists(photoDir + QStringLiteral("/new")) && QFileInfo::exists(logDir + QStringLiteral("/new")));

    for (int i = 0; i < photos; ++i)
        QVERIFY(dropFile(photoDir, QStringLiteral("photo %1.jpg").arg(i, 2, 10, QLatin1Char('0')), photo(i)));
    for (int i = 0; i < logs; ++i) {
        QFile log(logDir + QStringLiteral("/access-%1.log").arg(i));
        QVERIFY(log.open(QIODevice::WriteOnly));
        QCOMPARE(log.write(accessLog(i)), accessLog(i).size());
    }

    QTRY_COMPARE_WITH_TIMEOUT(filesIn(photoDir, QStringLiteral("done")).size(), 2 * photos, 60'000);
    QTRY_COMPARE_WITH_TIMEOUT(filesIn(logDir, QStringLiteral("done")).size(), 2 * logs, 30'000);
    QVERIFY(filesIn(photoDir, QStringLiteral("failed")).isEmpty());
    QVERIFY(filesIn(logDir, QStringLiteral("failed")).isEmpty());
    QVERIFY2(service.problems().isEmpty(), qPrintable(service.problems().value(0).reason));

    // The thumbnails: one WebP per photo, fitted into 96x96.
    const QStringList thumbs = filesIn(photoDir, QStringLiteral("thumbs"));
    QCOMPARE(thumbs.size(), photos);
    for (int i = 0; i < photos; ++i) {
        const QString stem = QStringLiteral("photo %1").arg(i, 2, 10, QLatin1Char('0'));
        const QImage thumb(photoDir + QStringLiteral("/thumbs/") + stem + QStringLiteral(".webp"));
        QVERIFY2(!thumb.isNull(), qPrintable(stem));
        QCOMPARE(thumb.size(), QSize(96, 72));
        const QJsonObject result
            = resultFile(photoDir + QStringLiteral("/done/") + stem + QStringLiteral(".jpg.result.json"));
        QCOMPARE(result.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(result.value(QStringLiteral("result")).toObject().value(QStringLiteral("format")).toString(),
            QStringLiteral("webp"));
    }
    // The log summaries, in each log's result file.
    for (int i = 0; i < logs; ++i) {
        const QJsonObject summary = resultFile(logDir + QStringLiteral("/done/access-%1.log.result.json").arg(i))
                                        .value(QStringLiteral("result"))
                                        .toObject();
        QCOMPARE(summary.value(QStringLiteral("requests")).toInt(), linesPerLog);
        QCOMPARE(summary.value(QStringLiteral("malformedLines")).toInt(), 0);
        QCOMPARE(summary.value(QStringLiteral("statusClasses")).toObject().value(QStringLiteral("4xx")).toInt(),
            linesPerLog / 10);
        QCOMPARE(summary.value(QStringLiteral("distinctPaths")).toInt(), 10);
    }
    QCOMPARE(scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")), photos + logs);
}

QTEST_GUILESS_MAIN(TestSpoolExamples)
#include "tst_spoolexamples.moc"
