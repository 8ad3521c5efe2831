#include "demoworkload.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLinearGradient>
#include <QPainter>
#include <QRadialGradient>
#include <QRandomGenerator>

#include <zlib.h>

#include <array>

namespace qd {

namespace {

const QString imagesQueue = QStringLiteral("images");
const QString reportsQueue = QStringLiteral("reports");
const QString webhooksQueue = QStringLiteral("webhooks");
const QString defaultQueue = QStringLiteral("default");
const QLatin1String noteKey("note");

NewTask makeTask(const QString& queue, const QString& type, const QJsonObject& payload, int priority = 0)
{
    NewTask task;
    task.queue = queue;
    task.type = type;
    task.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    task.priority = priority;
    return task;
}

QImage paintImage(QSize size, QRandomGenerator& random)
{
    QImage image(size, QImage::Format_RGB32);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    QLinearGradient sky(0, 0, 0, size.height());
    sky.setColorAt(0, QColor::fromHsv(int(random.bounded(360)), 120, 230));
    sky.setColorAt(1, QColor::fromHsv(int(random.bounded(360)), 200, 90));
    painter.fillRect(image.rect(), sky);
    for (int i = 0; i < 6; ++i) {
        const QPointF center(random.bounded(size.width()), random.bounded(size.height()));
        const qreal radius = 40 + random.bounded(size.width() / 3);
        QRadialGradient blob(center, radius);
        blob.setColorAt(0, QColor::fromHsv(int(random.bounded(360)), 255, 255, 200));
        blob.setColorAt(1, Qt::transparent);
        painter.setBrush(blob);
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(center, radius, radius);
    }
    return image;
}

// One line of the combined log format at `ms` (UTC).
QByteArray logLine(qint64 ms, QRandomGenerator& random)
{
    static constexpr std::array<const char*, 12> months {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // Weighted roughly like a small site: a few hot pages, a long tail of articles, some API traffic and scanners.
    static constexpr std::array<const char*, 10> hotPaths {"/", "/index.html", "/static/app.js", "/static/style.css",
        "/api/v1/items", "/api/v1/login", "/favicon.ico", "/about", "/blog/", "/robots.txt"};
    static constexpr std::array<const char*, 4> agents {
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15", "curl/8.5.0",
        "Googlebot/2.1 (+http://www.google.com/bot.html)"};

    const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    const QDate date = at.date();
    const QTime time = at.time();
    QByteArray stamp = QByteArray::number(date.day()).rightJustified(2, '0') + '/' + months[size_t(date.month() - 1)]
        + '/' + QByteArray::number(date.year()) + ':' + QByteArray::number(time.hour()).rightJustified(2, '0') + ':'
        + QByteArray::number(time.minute()).rightJustified(2, '0') + ':'
        + QByteArray::number(time.second()).rightJustified(2, '0') + " +0000";

    QByteArray path;
    const int pick = int(random.bounded(100));
    if (pick < 60)
        path = hotPaths[size_t(random.bounded(int(hotPaths.size())))];
    else if (pick < 95)
        path = "/blog/post-" + QByteArray::number(random.bounded(400)) + (random.bounded(4) == 0 ? "?ref=feed" : "");
    else
        path = "/wp-login.php";
    int status = 200;
    const int roll = int(random.bounded(1000));
    if (path == "/wp-login.php" || roll < 40)
        status = 404;
    else if (roll < 120)
        status = 304;
    else if (roll < 150)
        status = 301;
    else if (roll < 165)
        status = 500;
    else if (roll < 170)
        status = 503;
    const QByteArray method = path.startsWith("/api/v1/login") ? "POST" : "GET";
    const QByteArray bytes = status == 304 ? QByteArray("-") : QByteArray::number(200 + random.bounded(60000));
    return QByteArray::number(10 + random.bounded(200)) + '.' + QByteArray::number(random.bounded(256)) + '.'
        + QByteArray::number(random.bounded(256)) + '.' + QByteArray::number(1 + random.bounded(254)) + " - - [" + stamp
        + "] \"" + method + ' ' + path + " HTTP/1.1\" " + QByteArray::number(status) + ' ' + bytes + " \"-\" \""
        + agents[size_t(random.bounded(int(agents.size())))] + "\"\n";
}

// The lines of an hour of traffic, with a busy spell in the middle and a few broken lines.
QByteArray accessLog(int lines, qint64 startMs, QRandomGenerator& random)
{
    QByteArray log;
    log.reserve(qsizetype(lines) * 160);
    qint64 ms = startMs;
    const qint64 spanMs = 3600 * 1000;
    for (int i = 0; i < lines; ++i) {
        const bool busy = i > lines * 2 / 5 && i < lines * 3 / 5;
        ms += qint64(random.bounded(int(2 * spanMs / lines) + 1)) / (busy ? 3 : 1);
        if (random.bounded(400) == 0)
            log += "upstream timed out (110: Connection timed out) while reading response header\n";
        else
            log += logLine(ms, random);
    }
    return log;
}

std::optional<QString> writeFile(const QString& path, const QByteArray& data, bool gzip)
{
    if (gzip) {
        gzFile file = gzopen(QFile::encodeName(path).constData(), "wb6");
        if (!file)
            return QStringLiteral("cannot create \"%1\"").arg(path);
        const bool written = gzwrite(file, data.constData(), unsigned(data.size())) == int(data.size());
        if (gzclose(file) != Z_OK || !written)
            return QStringLiteral("cannot write \"%1\"").arg(path);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        return QStringLiteral("cannot write \"%1\": %2").arg(path, file.errorString());
    return std::nullopt;
}

} // namespace

DemoWorkload::DemoWorkload(QString scratchDirectory)
    : m_scratchDirectory(std::move(scratchDirectory))
{ }

Result<QList<NewTask>> DemoWorkload::build(const QUrl& sinkUrl)
{
    Options options;
    options.sinkUrl = sinkUrl;
    return build(options);
}

Result<QList<NewTask>> DemoWorkload::build(const Options& options)
{
    const QDir root(m_scratchDirectory);
    const QString inputDir = root.filePath(QStringLiteral("in"));
    const QString outputDir = root.filePath(QStringLiteral("out"));
    if (!QDir().mkpath(inputDir) || !QDir().mkpath(outputDir))
        return Error {ErrorCode::Io, QStringLiteral("cannot create directories in \"%1\"").arg(m_scratchDirectory)};

    QRandomGenerator random(options.seed);
    QList<NewTask> tasks;
    const bool webp = QImageWriter::supportedImageFormats().contains("webp");

    // Images: thumbnails for all, a crop for every third, WebP for every fourth when supported.
    static constexpr std::array<QSize, 4> sizes {
        QSize(1600, 1200), QSize(1200, 800), QSize(900, 1350), QSize(2400, 1600)};
    for (int i = 0; i < options.images; ++i) {
        const QSize size = sizes[size_t(i) % sizes.size()];
        const bool png = i % 5 == 4;
        const QString input = QDir(inputDir).filePath(QStringLiteral("photo-%1.%2")
                                                          .arg(i, 3, 10, QLatin1Char('0'))
                                                          .arg(png ? QStringLiteral("png") : QStringLiteral("jpg")));
        if (!paintImage(size, random).save(input, nullptr, 90))
            return Error {ErrorCode::Io, QStringLiteral("cannot write \"%1\"").arg(input)};
        const QString stem = QFileInfo(input).completeBaseName();
        tasks.append(makeTask(imagesQueue, QStringLiteral("image"),
            QJsonObject {{QStringLiteral("input"), input},
                {QStringLiteral("output"), QDir(outputDir).filePath(QStringLiteral("thumbs/%1.jpg").arg(stem))},
                {QStringLiteral("width"), 320}, {QStringLiteral("height"), 320}, {QStringLiteral("quality"), 80}},
            50));
        if (i % 3 == 0) {
            tasks.append(makeTask(imagesQueue, QStringLiteral("image"),
                QJsonObject {{QStringLiteral("input"), input},
                    {QStringLiteral("output"), QDir(outputDir).filePath(QStringLiteral("crops/%1.png").arg(stem))},
                    {QStringLiteral("crop"),
                        QJsonObject {{QStringLiteral("x"), size.width() / 4}, {QStringLiteral("y"), size.height() / 4},
                            {QStringLiteral("width"), size.width() / 2},
                            {QStringLiteral("height"), size.height() / 2}}},
                    {QStringLiteral("width"), 400}},
                20));
        }
        if (webp && i % 4 == 1) {
            tasks.append(makeTask(imagesQueue, QStringLiteral("image"),
                QJsonObject {{QStringLiteral("input"), input},
                    {QStringLiteral("output"), QDir(outputDir).filePath(QStringLiteral("web/%1.webp").arg(stem))},
                    {QStringLiteral("width"), 1024}, {QStringLiteral("quality"), 70}},
                10));
        }
    }

    // Access logs: an hour each, starting at a fixed time so the results are reproducible.
    const qint64 logStart = QDateTime(QDate(2024, 3, 15), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();
    for (int i = 0; i < options.logs; ++i) {
        const bool gzip = i % 2 == 1;
        const QString path = QDir(inputDir).filePath(
            QStringLiteral("access-%1.log%2").arg(i).arg(gzip ? QStringLiteral(".gz") : QString()));
        if (auto error = writeFile(path, accessLog(options.logLines, logStart + i * 3600 * 1000LL, random), gzip))
            return Error {ErrorCode::Io, *error};
        tasks.append(makeTask(reportsQueue, QStringLiteral("logstats"),
            QJsonObject {{QStringLiteral("path"), path}, {QStringLiteral("topN"), 10}}, 30));
    }

    if (!options.sinkUrl.isEmpty()) {
        for (int i = 0; i < options.notifications; ++i) {
            tasks.append(makeTask(webhooksQueue, QStringLiteral("notify"),
                QJsonObject {{QStringLiteral("url"), options.sinkUrl.toString()},
                    {QStringLiteral("body"),
                        QJsonObject {{QStringLiteral("event"), QStringLiteral("demo.batch_done")},
                            {QStringLiteral("batch"), i}}},
                    {QStringLiteral("headers"),
                        QJsonObject {{QStringLiteral("X-QueueDesk-Demo"), QStringLiteral("1")}}},
                    {QStringLiteral("timeoutMs"), 5000}},
                40));
        }
    }

    for (int i = 0; i < options.sleeps; ++i) {
        NewTask task = makeTask(defaultQueue, QStringLiteral("sleep"),
            QJsonObject {{QStringLiteral("ms"), 200 + int(random.bounded(1300))}}, int(random.bounded(10)));
        if (i % 4 == 3)
            task.delayMs = 5000 + qint64(random.bounded(10000)); // shows up as scheduled for a while
        tasks.append(task);
    }

    if (options.includeFailures) {
        tasks.append(makeTask(imagesQueue, QStringLiteral("image"),
            QJsonObject {{QStringLiteral("input"), QDir(inputDir).filePath(QStringLiteral("deleted-before-run.jpg"))},
                {QStringLiteral("output"), QDir(outputDir).filePath(QStringLiteral("thumbs/deleted.jpg"))},
                {QStringLiteral("width"), 320},
                {noteKey, QStringLiteral("fails on purpose: the input does not exist")}}));
        const QString corrupt = QDir(inputDir).filePath(QStringLiteral("truncated-upload.jpg"));
        if (auto error
            = writeFile(corrupt, QByteArray::fromHex("ffd8ffe000104a464946") + QByteArray(512, '\x55'), false))
            return Error {ErrorCode::Io, *error};
        tasks.append(makeTask(imagesQueue, QStringLiteral("image"),
            QJsonObject {{QStringLiteral("input"), corrupt},
                {QStringLiteral("output"), QDir(outputDir).filePath(QStringLiteral("thumbs/truncated-upload.jpg"))},
                {QStringLiteral("width"), 320},
                {noteKey, QStringLiteral("fails on purpose: the input is not a valid image")}}));
        const QString notALog = QDir(inputDir).filePath(QStringLiteral("syslog"));
        if (auto error = writeFile(notALog, "Mar 15 09:00:00 host kernel: not an access log\n", false))
            return Error {ErrorCode::Io, *error};
        tasks.append(makeTask(reportsQueue, QStringLiteral("logstats"),
            QJsonObject {
                {QStringLiteral("path"), notALog}, {noteKey, QStringLiteral("fails on purpose: not an access log")}}));
        if (!options.sinkUrl.isEmpty()) {
            for (const int status : {503, 404}) {
                QUrl url = options.sinkUrl;
                url.setPath(QStringLiteral("/status/%1").arg(status));
                tasks.append(makeTask(webhooksQueue, QStringLiteral("notify"),
                    QJsonObject {{QStringLiteral("url"), url.toString()},
                        {QStringLiteral("body"),
                            QJsonObject {{QStringLiteral("event"), QStringLiteral("demo.failure")}}},
                        {noteKey,
                            status == 503 ? QStringLiteral("fails on purpose: the sink answers 503 (retried)")
                                          : QStringLiteral("fails on purpose: the sink answers 404")}}));
            }
        }
        tasks.append(makeTask(defaultQueue, QStringLiteral("sleep"),
            QJsonObject {{QStringLiteral("ms"), 300}, {QStringLiteral("fail"), QStringLiteral("retryable")},
                {noteKey, QStringLiteral("fails on purpose: retried, then fails")}}));
    }
    return tasks;
}

} // namespace qd
