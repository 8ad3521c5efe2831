#include "core/handlercontext.h"
#include "core/handlers/imagehandler.h"
#include "handlertestutil.h"

#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonArray>
#include <QLinearGradient>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>

#include <thread>
#include <vector>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

class ImageHandlerTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void thumbnailKeepsAspectAndCreatesDirectory();
    void doesNotUpscaleUnlessAsked();
    void cropThenPng();
    void exifRotationIsAppliedBeforeFitting();
    void cropOutsideIsPermanent();
    void alphaIsFlattenedOntoWhiteForJpeg();
    void webp();
    void missingInputIsPermanent();
    void corruptInputIsPermanent();
    void uncreatableOutputDirectoryIsPermanent();
    void stopRequestedStopsBeforeWriting();
    void concurrentRunsOnOneInstance();
    void validation_data();
    void validation();
    void progressIsReported();

private:
    QString writeGradient(const QString& name, QSize size, QImage::Format format = QImage::Format_RGB32);
    QString path(const QString& name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
    ImageHandler m_handler;
};

void ImageHandlerTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString ImageHandlerTest::writeGradient(const QString& name, QSize size, QImage::Format format)
{
    QImage image(size, format);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    QLinearGradient gradient(0, 0, size.width(), size.height());
    gradient.setColorAt(0, Qt::darkBlue);
    gradient.setColorAt(1, Qt::yellow);
    painter.fillRect(QRect(QPoint(0, 0), size / 2), gradient);
    painter.fillRect(QRect(QPoint(size.width() / 2, size.height() / 2), size / 2), gradient);
    painter.end();
    const QString file = path(name);
    if (!image.save(file, nullptr, 95))
        qFatal("cannot write test image");
    return file;
}

void ImageHandlerTest::thumbnailKeepsAspectAndCreatesDirectory()
{
    const QString input = writeGradient(QStringLiteral("big.jpg"), QSize(1600, 1200));
    const QString output = path(QStringLiteral("thumbs/nested/big-small.jpg"));
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result = m_handler.run(
        QJsonObject {{QStringLiteral("input"), input}, {QStringLiteral("output"), output},
            {QStringLiteral("width"), 320}, {QStringLiteral("height"), 320}, {QStringLiteral("quality"), 70}},
        context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(QStringLiteral("width")).toInt(), 320);
    QCOMPARE(result.result.value(QStringLiteral("height")).toInt(), 240);
    QCOMPARE(result.result.value(QStringLiteral("output")).toString(), output);
    QCOMPARE(result.result.value(QStringLiteral("format")).toString(), QStringLiteral("jpeg"));
    const qint64 bytes = result.result.value(QStringLiteral("bytes")).toInteger();
    QCOMPARE(bytes, QFileInfo(output).size());
    QCOMPARE(result.result.value(QStringLiteral("inputBytes")).toInteger(), QFileInfo(input).size());
    QCOMPARE(result.result.value(QStringLiteral("bytesSaved")).toInteger(), QFileInfo(input).size() - bytes);
    QVERIFY(bytes > 0 && bytes < QFileInfo(input).size());

    QImageReader check(output);
    QCOMPARE(check.format(), QByteArray("jpeg"));
    QCOMPARE(check.size(), QSize(320, 240));
    // No temporary file is left beside the output.
    QCOMPARE(
        QDir(QFileInfo(output).absolutePath()).entryList(QDir::Files), QStringList {QStringLiteral("big-small.jpg")});
}

void ImageHandlerTest::doesNotUpscaleUnlessAsked()
{
    const QString input = writeGradient(QStringLiteral("small.png"), QSize(100, 50));
    HandlerContext context(1, 1, QStringLiteral("images"));
    QJsonObject payload {{QStringLiteral("input"), input},
        {QStringLiteral("output"), path(QStringLiteral("small-out.png"))}, {QStringLiteral("width"), 400}};
    HandlerResult result = m_handler.run(payload, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(QImageReader(path(QStringLiteral("small-out.png"))).size(), QSize(100, 50));
    QCOMPARE(result.result.value(QStringLiteral("format")).toString(), QStringLiteral("png"));

    payload.insert(QStringLiteral("upscale"), true);
    result = m_handler.run(payload, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(QImageReader(path(QStringLiteral("small-out.png"))).size(), QSize(400, 200));
}

void ImageHandlerTest::cropThenPng()
{
    const QString input = writeGradient(QStringLiteral("crop.jpg"), QSize(400, 300));
    const QString output = path(QStringLiteral("crop-out.img"));
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result
        = m_handler.run(QJsonObject {{QStringLiteral("input"), input}, {QStringLiteral("output"), output},
                            {QStringLiteral("format"), QStringLiteral("png")},
                            {QStringLiteral("crop"),
                                QJsonObject {{QStringLiteral("x"), 200}, {QStringLiteral("y"), 150},
                                    {QStringLiteral("width"), 200}, {QStringLiteral("height"), 100}}},
                            {QStringLiteral("width"), 50}},
            context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QImageReader check(output);
    QCOMPARE(check.format(), QByteArray("png"));
    QCOMPARE(check.size(), QSize(50, 25));
    // The bottom-right quarter of the source is the gradient, never the transparent/black fill.
    const QImage image = check.read();
    QVERIFY(qGray(image.pixel(2, 2)) > 0);
}

void ImageHandlerTest::exifRotationIsAppliedBeforeFitting()
{
    // Stored landscape with an EXIF "rotate 90" tag: the photo is portrait, and the box applies to the portrait.
    QImage image(800, 400, QImage::Format_RGB32);
    image.fill(Qt::darkGreen);
    const QString input = path(QStringLiteral("rotated.jpg"));
    QImageWriter writer(input);
    if (!writer.supportsOption(QImageIOHandler::ImageTransformation))
        QSKIP("the JPEG writer cannot store an orientation");
    writer.setTransformation(QImageIOHandler::TransformationRotate90);
    QVERIFY(writer.write(image));
    QImageReader sanity(input);
    sanity.setAutoTransform(true);
    QCOMPARE(sanity.read().size(), QSize(400, 800));

    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                                                   {QStringLiteral("output"), path(QStringLiteral("rotated-out.png"))},
                                                   {QStringLiteral("width"), 100}, {QStringLiteral("height"), 100}},
        context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(QImageReader(path(QStringLiteral("rotated-out.png"))).size(), QSize(50, 100));
}

void ImageHandlerTest::cropOutsideIsPermanent()
{
    const QString input = writeGradient(QStringLiteral("crop2.jpg"), QSize(100, 100));
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result
        = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                            {QStringLiteral("output"), path(QStringLiteral("crop2-out.jpg"))},
                            {QStringLiteral("crop"),
                                QJsonObject {{QStringLiteral("x"), 50}, {QStringLiteral("y"), 50},
                                    {QStringLiteral("width"), 100}, {QStringLiteral("height"), 10}}}},
            context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(QLatin1String("\"crop\"")), qPrintable(result.error));
    QVERIFY(!QFile::exists(path(QStringLiteral("crop2-out.jpg"))));
}

void ImageHandlerTest::alphaIsFlattenedOntoWhiteForJpeg()
{
    // Top-right quarter is transparent in the source.
    const QString input = writeGradient(QStringLiteral("alpha.png"), QSize(200, 200), QImage::Format_ARGB32);
    const QString output = path(QStringLiteral("alpha.jpg"));
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result
        = m_handler.run(QJsonObject {{QStringLiteral("input"), input}, {QStringLiteral("output"), output}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    const QImage image(output);
    QVERIFY(!image.isNull());
    QVERIFY2(qGray(image.pixel(150, 50)) > 240, "transparent area should be white");
}

void ImageHandlerTest::webp()
{
    if (!QImageWriter::supportedImageFormats().contains("webp")) {
        const HandlerResult result = m_handler.run(QJsonObject {{QStringLiteral("input"), QStringLiteral("x")},
                                                       {QStringLiteral("output"), QStringLiteral("y.webp")}},
            *std::make_unique<HandlerContext>(1, 1, QString()));
        QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
        QSKIP("no WebP writer plugin on this system");
    }
    const QString input = writeGradient(QStringLiteral("web.jpg"), QSize(640, 480));
    const QString output = path(QStringLiteral("web.webp"));
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result
        = m_handler.run(QJsonObject {{QStringLiteral("input"), input}, {QStringLiteral("output"), output},
                            {QStringLiteral("height"), 120}, {QStringLiteral("quality"), 60}},
            context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(QStringLiteral("format")).toString(), QStringLiteral("webp"));
    QImageReader check(output);
    QCOMPARE(check.format(), QByteArray("webp"));
    QCOMPARE(check.size(), QSize(160, 120));
}

void ImageHandlerTest::missingInputIsPermanent()
{
    HandlerContext context(1, 1, QStringLiteral("images"));
    const QString input = path(QStringLiteral("nope.jpg"));
    const HandlerResult result = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                                                   {QStringLiteral("output"), path(QStringLiteral("nope-out.jpg"))}},
        context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(input) && result.error.contains(QLatin1String("does not exist")),
        qPrintable(result.error));
}

void ImageHandlerTest::corruptInputIsPermanent()
{
    QFile file(path(QStringLiteral("corrupt.jpg")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    // A JPEG header followed by garbage: the reader recognises the format but cannot decode it.
    QFile half(path(QStringLiteral("half.jpg")));
    QVERIFY(half.open(QIODevice::WriteOnly));
    half.write(QByteArray::fromHex("ffd8ffe000104a46494600010100000100010000") + QByteArray(64, '\x01'));
    half.close();

    HandlerContext context(1, 1, QStringLiteral("images"));
    for (const QString& name : {QStringLiteral("corrupt.jpg"), QStringLiteral("half.jpg")}) {
        const HandlerResult result = m_handler.run(
            QJsonObject {{QStringLiteral("input"), path(name)}, {QStringLiteral("output"), path(name + u".out.jpg")}},
            context);
        QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
        QVERIFY2(result.error.contains(name), qPrintable(result.error));
        QVERIFY(!QFile::exists(path(name + u".out.jpg")));
    }
}

void ImageHandlerTest::uncreatableOutputDirectoryIsPermanent()
{
    const QString input = writeGradient(QStringLiteral("dir.jpg"), QSize(64, 64));
    QFile blocker(path(QStringLiteral("iamafile")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    HandlerContext context(1, 1, QStringLiteral("images"));
    const HandlerResult result
        = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                            {QStringLiteral("output"), path(QStringLiteral("iamafile/sub/x.jpg"))}},
            context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(QLatin1String("output directory")), qPrintable(result.error));
}

void ImageHandlerTest::stopRequestedStopsBeforeWriting()
{
    const QString input = writeGradient(QStringLiteral("stop.jpg"), QSize(800, 600));
    const QString output = path(QStringLiteral("stop-out.jpg"));
    HandlerContext context(1, 1, QStringLiteral("images"));
    context.requestStop(StopReason::CancelledByUser);
    QElapsedTimer timer;
    timer.start();
    const HandlerResult result = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                                                   {QStringLiteral("output"), output}, {QStringLiteral("width"), 100}},
        context);
    QVERIFY(timer.elapsed() < 2000);
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY(!QFile::exists(output));
}

void ImageHandlerTest::concurrentRunsOnOneInstance()
{
    const QString input = writeGradient(QStringLiteral("shared.jpg"), QSize(1024, 768));
    constexpr int runs = 6;
    std::vector<HandlerResult> results(runs);
    std::vector<std::thread> threads;
    for (int i = 0; i < runs; ++i) {
        threads.emplace_back([&, i] {
            HandlerContext context(i, 1, QStringLiteral("images"));
            results[size_t(i)] = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                                                   {QStringLiteral("output"), path(u"concurrent/%1.png"_s.arg(i))},
                                                   {QStringLiteral("width"), 100 + i * 10}},
                context);
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (int i = 0; i < runs; ++i) {
        QD_COMPARE_OUTCOME(results[size_t(i)], Outcome::Success);
        QCOMPARE(QImageReader(path(u"concurrent/%1.png"_s.arg(i))).size().width(), 100 + i * 10);
    }
}

void ImageHandlerTest::validation_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("field");
    const QString in = QStringLiteral("in.jpg");
    const QString out = QStringLiteral("out.jpg");
    QTest::newRow("no input") << QJsonObject {{QStringLiteral("output"), out}} << QStringLiteral("\"input\"");
    QTest::newRow("input not string") << QJsonObject {{QStringLiteral("input"), 3}, {QStringLiteral("output"), out}}
                                      << QStringLiteral("\"input\"");
    QTest::newRow("no output") << QJsonObject {{QStringLiteral("input"), in}} << QStringLiteral("\"output\"");
    QTest::newRow("bad format") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("format"), QStringLiteral("bmp")}}
                                << QStringLiteral("\"format\"");
    QTest::newRow("quality too high") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("quality"), 101}}
                                      << QStringLiteral("\"quality\"");
    QTest::newRow("fractional width") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("width"), 10.5}}
                                      << QStringLiteral("\"width\"");
    QTest::newRow("zero height") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("height"), 0}}
                                 << QStringLiteral("\"height\"");
    QTest::newRow("upscale not bool") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("upscale"), QStringLiteral("yes")}}
                                      << QStringLiteral("\"upscale\"");
    QTest::newRow("crop not object") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("crop"), QJsonArray {1, 2, 3, 4}}}
                                     << QStringLiteral("\"crop\"");
    QTest::newRow("crop without width") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("crop"),
            QJsonObject {{QStringLiteral("x"), 0}, {QStringLiteral("y"), 0}, {QStringLiteral("height"), 5}}}}
                                        << QStringLiteral("\"crop.width\"");
    QTest::newRow("crop negative x") << QJsonObject {{QStringLiteral("input"), in}, {QStringLiteral("output"), out},
        {QStringLiteral("crop"),
            QJsonObject {{QStringLiteral("x"), -1}, {QStringLiteral("y"), 0}, {QStringLiteral("width"), 5},
                {QStringLiteral("height"), 5}}}}
                                     << QStringLiteral("\"crop.x\"");
}

void ImageHandlerTest::validation()
{
    QFETCH(QJsonObject, payload);
    QFETCH(QString, field);
    const std::optional<QString> error = m_handler.validate(payload);
    QVERIFY(error.has_value());
    QVERIFY2(error->contains(field), qPrintable(*error));
    // run() re-checks, so a payload that skipped validation still fails cleanly.
    HandlerContext context(1, 1, QString());
    QD_COMPARE_OUTCOME(m_handler.run(payload, context), Outcome::PermanentError);
}

void ImageHandlerTest::progressIsReported()
{
    QVERIFY(!m_handler.validate(m_handler.payloadTemplate()).has_value());
    const QString input = writeGradient(QStringLiteral("progress.jpg"), QSize(300, 300));
    QList<double> fractions;
    HandlerContext context(
        1, 1, QStringLiteral("images"), [&](double fraction, const QString&) { fractions.append(fraction); });
    const HandlerResult result = m_handler.run(QJsonObject {{QStringLiteral("input"), input},
                                                   {QStringLiteral("output"), path(QStringLiteral("progress.png"))}},
        context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QVERIFY(fractions.size() >= 2);
    QCOMPARE(fractions.last(), 1.0);
    QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
}

QTEST_GUILESS_MAIN(ImageHandlerTest)
#include "tst_imagehandler.moc"
