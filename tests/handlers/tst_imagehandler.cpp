#include "core/handlercontext.h"
#include "core/handlers/imagehandler.h"
#include "handlertestutil.h"

#include <QBuffer>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonArray>
#include <QLinearGradient>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <atomic>
#include <thread>
#include <vector>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

namespace {

// A picture with detail everywhere, so that most of a JPEG's bytes are entropy-coded data.
QImage detailedPicture(QSize size)
{
    QImage image(size, QImage::Format_RGB32);
    for (int y = 0; y < size.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < size.width(); ++x)
            line[x] = qRgb((x * 7 + y * 3) & 0xff, (x * y) & 0xff, ((x ^ y) * 5) & 0xff);
    }
    return image;
}

QByteArray encode(const QImage& image, const char* format, bool progressive = false)
{
    QByteArray data;
    QBuffer buffer(&data);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, format);
    writer.setQuality(90);
    writer.setProgressiveScanWrite(progressive);
    if (!writer.write(image))
        qFatal("cannot encode test image");
    return data;
}

// An EXIF APP1 segment with an orientation tag (0x0112) in IFD0 and, when given, a thumbnail in IFD1: a minimal
// TIFF structure as cameras write it, in either byte order.
QByteArray exifSegment(int orientation, bool bigEndian, const QByteArray& thumbnail = {})
{
    QByteArray tiff;
    auto u16 = [&](quint16 value) {
        char bytes[2];
        bigEndian ? qToBigEndian(value, bytes) : qToLittleEndian(value, bytes);
        tiff.append(bytes, 2);
    };
    auto u32 = [&](quint32 value) {
        char bytes[4];
        bigEndian ? qToBigEndian(value, bytes) : qToLittleEndian(value, bytes);
        tiff.append(bytes, 4);
    };
    tiff += bigEndian ? "MM" : "II";
    u16(42);
    u32(8); // IFD0 right after the header
    u16(1); // one entry: Orientation, SHORT, count 1, value left-justified in the 4-byte field
    u16(0x0112);
    u16(3);
    u32(1);
    u16(quint16(orientation));
    u16(0);
    const quint32 ifd1 = 8 + 2 + 12 + 4;
    u32(thumbnail.isEmpty() ? 0 : ifd1);
    if (!thumbnail.isEmpty()) {
        u16(2); // JPEGInterchangeFormat and JPEGInterchangeFormatLength, LONG
        u16(0x0201);
        u16(4);
        u32(1);
        u32(ifd1 + 2 + 2 * 12 + 4);
        u16(0x0202);
        u16(4);
        u32(1);
        u32(quint32(thumbnail.size()));
        u32(0);
        tiff += thumbnail;
    }
    const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    const auto length = quint16(payload.size() + 2);
    return QByteArray("\xff\xe1", 2) + char(length >> 8) + char(length & 0xff) + payload;
}

// Offsets of the start-of-scan markers (FF DA) of a JPEG written by Qt.
QList<qsizetype> scanStarts(const QByteArray& jpeg)
{
    QList<qsizetype> starts;
    for (qsizetype at = jpeg.indexOf("\xff\xda"); at >= 0; at = jpeg.indexOf("\xff\xda", at + 2))
        starts.append(at);
    return starts;
}

} // namespace

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
    void truncatedJpegIsPermanentWithDecodersWords();
    void jpegWithoutEndMarkerIsPermanent();
    void truncatedPngIsPermanent();
    void decoderWarningsAreTakenPerThread();
    void exifOrientationTagIsHonoured();
    void uncreatableOutputDirectoryIsPermanent();
    void stopRequestedStopsBeforeWriting();
    void concurrentRunsOnOneInstance();
    void validation_data();
    void validation();
    void progressIsReported();

private:
    QString writeGradient(const QString& name, QSize size, QImage::Format format = QImage::Format_RGB32);
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString writeBytes(const QString& name, const QByteArray& data);
    HandlerResult runOn(const QString& input, const QString& output, QJsonObject extra = {});

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

QString ImageHandlerTest::writeBytes(const QString& name, const QByteArray& data)
{
    QFile file(path(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        qFatal("cannot write test file");
    return file.fileName();
}

HandlerResult ImageHandlerTest::runOn(const QString& input, const QString& output, QJsonObject extra)
{
    extra.insert(QStringLiteral("input"), input);
    extra.insert(QStringLiteral("output"), output);
    HandlerContext context(1, 1, QStringLiteral("images"));
    return m_handler.run(extra, context);
}

void ImageHandlerTest::truncatedJpegIsPermanentWithDecodersWords()
{
    // Issue 16: the first third of a JPEG decoded "successfully" into a full-size image, grey below the cut, and
    // only the log carried libjpeg's warning. Baseline and progressive, decoded at full size and scaled down by
    // the decoder.
    for (const bool progressive : {false, true}) {
        const QByteArray jpeg = encode(detailedPicture(QSize(900, 600)), "jpeg", progressive);
        const QString name = progressive ? u"third-progressive.jpg"_s : u"third.jpg"_s;
        const QString input = writeBytes(name, jpeg.first(jpeg.size() / 3));
        for (const QJsonObject& box : {QJsonObject {}, QJsonObject {{u"width"_s, 200}}}) {
            const QString output = path(name + u".out.png");
            const HandlerResult result = runOn(input, output, box);
            QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
            QVERIFY2(result.error.contains(input), qPrintable(result.error));
            QVERIFY2(result.error.contains(u"premature end of data segment"_s), qPrintable(result.error));
            QVERIFY(!QFile::exists(output));
        }
    }
    // The intact file still converts.
    const QString whole = writeBytes(u"whole.jpg"_s, encode(detailedPicture(QSize(900, 600)), "jpeg"));
    QD_COMPARE_OUTCOME(runOn(whole, path(u"whole.out.png"_s), {{u"width"_s, 300}}), Outcome::Success);
}

void ImageHandlerTest::jpegWithoutEndMarkerIsPermanent()
{
    // Cuts the decoder does not always warn about: at the start of a later scan of a progressive JPEG (the image
    // comes out complete in size but coarse) and just before the end-of-image marker. The file itself says it was
    // cut short: its entropy-coded data never reaches FF D9.
    const QByteArray progressive = encode(detailedPicture(QSize(640, 480)), "jpeg", true);
    const QList<qsizetype> scans = scanStarts(progressive);
    QVERIFY2(scans.size() >= 3, "expected a progressive JPEG with several scans");
    const QString atScan = writeBytes(u"cut-at-scan.jpg"_s, progressive.first(scans.at(2)));
    const QString noEnd = writeBytes(u"no-end.jpg"_s, progressive.first(progressive.size() - 2));
    for (const QString& input : {atScan, noEnd}) {
        const HandlerResult result = runOn(input, input + u".out.png");
        QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
        QVERIFY2(result.error.contains(input) && result.error.contains(u"truncated"_s), qPrintable(result.error));
        QVERIFY(!QFile::exists(input + u".out.png"));
    }

    // Not fooled by an EXIF thumbnail's own end marker before the image's scans, nor upset by bytes after the end.
    const QByteArray thumbnail = encode(detailedPicture(QSize(16, 16)), "jpeg");
    QByteArray withThumbnail = encode(detailedPicture(QSize(640, 480)), "jpeg");
    withThumbnail.insert(2, exifSegment(1, false, thumbnail));
    const QString cutWithThumbnail
        = writeBytes(u"cut-with-thumbnail.jpg"_s, withThumbnail.first(withThumbnail.size() - 2));
    QD_COMPARE_OUTCOME(runOn(cutWithThumbnail, path(u"cut-with-thumbnail.png"_s)), Outcome::PermanentError);
    const QString trailer = writeBytes(u"trailer.jpg"_s, withThumbnail + QByteArray(300, '\0') + "TRAILER");
    QD_COMPARE_OUTCOME(runOn(trailer, path(u"trailer.png"_s)), Outcome::Success);
}

void ImageHandlerTest::truncatedPngIsPermanent()
{
    // Qt's PNG reader fails on its own; checked here so that it stays so.
    const QByteArray png = encode(detailedPicture(QSize(300, 200)), "png");
    const QString third = writeBytes(u"third.png"_s, png.first(png.size() / 3));
    const QString noEnd = writeBytes(u"no-iend.png"_s, png.first(png.size() - 12)); // the IEND chunk is 12 bytes
    for (const QString& input : {third, noEnd}) {
        const HandlerResult result = runOn(input, input + u".out.jpg");
        QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
        QVERIFY2(result.error.contains(input), qPrintable(result.error));
        QVERIFY(!QFile::exists(input + u".out.jpg"));
    }
}

namespace {
std::atomic<int> g_noiseSeen {0};
QtMessageHandler g_testPrevious = nullptr;
// Swallows the other thread's noise (counting it) and passes everything else on to QTest.
void noiseCounter(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.startsWith(u"noise from another thread"_s))
        ++g_noiseSeen;
    else
        g_testPrevious(type, context, message);
}
} // namespace

void ImageHandlerTest::decoderWarningsAreTakenPerThread()
{
    // Warnings are process-wide; a run must judge only its own decoder's. While intact and truncated JPEGs are
    // converted on several threads at once, another thread keeps logging the very words that fail a decode: the
    // intact ones must succeed, the truncated ones fail, and every message must still reach the handler that was
    // installed before (here the test's own), which must be the one installed afterwards.
    const QByteArray jpeg = encode(detailedPicture(QSize(800, 600)), "jpeg");
    const QString intact = writeBytes(u"per-thread-intact.jpg"_s, jpeg);
    const QString truncated = writeBytes(u"per-thread-truncated.jpg"_s, jpeg.first(jpeg.size() / 2));
    g_noiseSeen = 0;
    g_testPrevious = qInstallMessageHandler(noiseCounter);
    std::atomic<bool> done {false};
    int noiseSent = 0;
    std::thread noise([&] {
        while (!done) {
            qWarning("noise from another thread: Corrupt JPEG data: premature end of data segment");
            ++noiseSent;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    constexpr int runs = 8;
    std::vector<HandlerResult> results(runs);
    std::vector<std::thread> threads;
    for (int i = 0; i < runs; ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 3; ++round) {
                HandlerContext context(i, 1, QStringLiteral("images"));
                results[size_t(i)]
                    = m_handler.run(QJsonObject {{u"input"_s, i % 2 ? truncated : intact},
                                        {u"output"_s, path(u"per-thread/%1.png"_s.arg(i))}, {u"width"_s, 200}},
                        context);
                if (results[size_t(i)].outcome != (i % 2 ? Outcome::PermanentError : Outcome::Success))
                    return;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    done = true;
    noise.join();
    const QtMessageHandler current = qInstallMessageHandler(g_testPrevious);
    QVERIFY(current == noiseCounter);
    QCOMPARE(g_noiseSeen.load(), noiseSent);
    for (int i = 0; i < runs; ++i) {
        QD_COMPARE_OUTCOME(results[size_t(i)], i % 2 ? Outcome::PermanentError : Outcome::Success);
        if (i % 2)
            QVERIFY2(results[size_t(i)].error.contains(truncated), qPrintable(results[size_t(i)].error));
    }
}

void ImageHandlerTest::exifOrientationTagIsHonoured()
{
    // A camera's EXIF orientation 6 ("rotate 90 degrees clockwise to view"), not written by Qt: a red block in the
    // stored top-left corner belongs in the top-right corner of the thumbnail, which is portrait.
    QImage stored(240, 120, QImage::Format_RGB32);
    stored.fill(Qt::white);
    for (int y = 0; y < 30; ++y)
        for (int x = 0; x < 30; ++x)
            stored.setPixel(x, y, qRgb(255, 0, 0));
    auto isRed = [](QRgb pixel) { return qRed(pixel) > 200 && qGreen(pixel) < 80 && qBlue(pixel) < 80; };
    for (const bool bigEndian : {false, true}) {
        QByteArray jpeg = encode(stored, "jpeg");
        jpeg.insert(2, exifSegment(6, bigEndian)); // right after SOI, before Qt's JFIF APP0
        const QString input = writeBytes(bigEndian ? u"exif-mm.jpg"_s : u"exif-ii.jpg"_s, jpeg);

        // Whole image, re-encoded as JPEG: rotated pixels, portrait size in the result, and no orientation tag
        // left in the output for a viewer to apply a second time.
        const QString fullOut = input + u".full.jpg";
        HandlerResult result = runOn(input, fullOut);
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        QCOMPARE(result.result.value(u"width"_s).toInt(), 120);
        QCOMPARE(result.result.value(u"height"_s).toInt(), 240);
        QImageReader fullCheck(fullOut);
        QCOMPARE(fullCheck.transformation(), QImageIOHandler::TransformationNone);
        QImage image = fullCheck.read();
        QCOMPARE(image.size(), QSize(120, 240));
        QVERIFY(isRed(image.pixel(110, 10)));
        QVERIFY(!isRed(image.pixel(10, 10)));

        // A thumbnail scaled by the decoder: the box applies to the portrait image.
        const QString thumbOut = input + u".thumb.png";
        result = runOn(input, thumbOut, {{u"width"_s, 60}, {u"height"_s, 60}});
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        QCOMPARE(result.result.value(u"width"_s).toInt(), 30);
        QCOMPARE(result.result.value(u"height"_s).toInt(), 60);
        image = QImage(thumbOut);
        QCOMPARE(image.size(), QSize(30, 60));
        QVERIFY(isRed(image.pixel(27, 2)));
        QVERIFY(!isRed(image.pixel(2, 2)));

        // A crop is in the viewed orientation: the top-right 40x40 of the portrait image holds the block.
        const QString cropOut = input + u".crop.png";
        result = runOn(input, cropOut,
            {{u"crop"_s, QJsonObject {{u"x"_s, 80}, {u"y"_s, 0}, {u"width"_s, 40}, {u"height"_s, 40}}}});
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        image = QImage(cropOut);
        QCOMPARE(image.size(), QSize(40, 40));
        QVERIFY(isRed(image.pixel(35, 5)));
        QVERIFY(!isRed(image.pixel(5, 5)));
        QVERIFY(!isRed(image.pixel(35, 35)));
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
