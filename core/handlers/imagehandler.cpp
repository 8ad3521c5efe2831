#include "imagehandler.h"

#include "../handlercontext.h"
#include "payloadfields.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <QSaveFile>
#include <QStringList>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>

namespace qd {

namespace {

constexpr int maxDimension = 65535;
constexpr int defaultQuality = 85;

const QLatin1String inputKey("input");
const QLatin1String outputKey("output");
const QLatin1String formatKey("format");
const QLatin1String qualityKey("quality");
const QLatin1String widthKey("width");
const QLatin1String heightKey("height");
const QLatin1String cropKey("crop");
const QLatin1String upscaleKey("upscale");

bool canWrite(const QByteArray& format)
{
    return QImageWriter::supportedImageFormats().contains(format);
}

// The encoder to use: the explicit "format", else the output's suffix, else JPEG. Empty when unsupported.
QByteArray outputFormat(const QJsonObject& payload)
{
    QString name = payload.value(formatKey).toString().toLower();
    if (name.isEmpty()) {
        name = QFileInfo(payload.value(outputKey).toString()).suffix().toLower();
        if (name != QLatin1String("png") && name != QLatin1String("webp"))
            name = QStringLiteral("jpeg");
    }
    if (name == QLatin1String("jpg"))
        name = QStringLiteral("jpeg");
    if (name != QLatin1String("jpeg") && name != QLatin1String("png") && name != QLatin1String("webp"))
        return {};
    return name.toLatin1();
}

std::optional<QRect> cropRect(const QJsonObject& payload)
{
    const QJsonValue value = payload.value(cropKey);
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject crop = value.toObject();
    return QRect(int(crop.value(QLatin1String("x")).toDouble()), int(crop.value(QLatin1String("y")).toDouble()),
        int(crop.value(widthKey).toDouble()), int(crop.value(heightKey).toDouble()));
}

// The size to produce from a source of `size`, given the optional box; `size` itself when there is no box.
QSize fittedSize(QSize size, const QJsonObject& payload)
{
    const int boxWidth = int(payload::integer(payload, widthKey, 0));
    const int boxHeight = int(payload::integer(payload, heightKey, 0));
    if ((boxWidth <= 0 && boxHeight <= 0) || size.isEmpty())
        return size;
    const QSize box(boxWidth > 0 ? boxWidth : maxDimension, boxHeight > 0 ? boxHeight : maxDimension);
    const bool upscale = payload.value(upscaleKey).toBool(false);
    if (!upscale && size.width() <= box.width() && size.height() <= box.height())
        return size;
    return size.scaled(box, Qt::KeepAspectRatio).expandedTo(QSize(1, 1));
}

// Records the warnings logged on the calling thread while it lives. Qt's JPEG plugin reports libjpeg's warnings
// ("Corrupt JPEG data: premature end of data segment") only through qWarning, and QImageReader::read() still
// succeeds, so a message handler is the only place to hear the decoder's words.
//
// The message handler is process-wide and image tasks decode on several threads at once, so: one handler serves
// every capture; it is installed when the first capture on any thread starts and removed when the last one ends
// (a count under a mutex, so an install never races an uninstall); it records a message only for the thread that
// logged it, and only while that thread has a capture; and it passes every message, recorded or not, on to the
// handler installed before it, so the log sees what it always saw.
class WarningCapture {
public:
    WarningCapture()
    {
        t_current = this;
        std::lock_guard lock(s_mutex);
        if (s_users++ == 0)
            s_previous.store(qInstallMessageHandler(&WarningCapture::handle));
    }
    ~WarningCapture()
    {
        t_current = nullptr;
        std::lock_guard lock(s_mutex);
        if (--s_users == 0) {
            const QtMessageHandler top = qInstallMessageHandler(s_previous.load());
            // Someone installed a handler over ours meanwhile: leave theirs in place (it may pass messages on to
            // ours, which then only forwards; handle() breaks a loop should ours be installed over theirs again).
            if (top != &WarningCapture::handle)
                qInstallMessageHandler(top);
        }
    }
    WarningCapture(const WarningCapture&) = delete;
    WarningCapture& operator=(const WarningCapture&) = delete;

    const QStringList& messages() const { return m_messages; }

private:
    static void handle(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        if (t_inHandler) // a handler chain that leads back to us: the message has been passed on already
            return;
        t_inHandler = true;
        if (t_current && (type == QtWarningMsg || type == QtCriticalMsg))
            t_current->m_messages.append(message);
        if (const QtMessageHandler previous = s_previous.load())
            previous(type, context, message);
        else
            std::fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
        t_inHandler = false;
    }

    QStringList m_messages;

    static inline std::mutex s_mutex;
    static inline int s_users = 0;
    static inline std::atomic<QtMessageHandler> s_previous {nullptr};
    static inline thread_local WarningCapture* t_current = nullptr;
    static inline thread_local bool t_inHandler = false;
};

// Whether a decoder warning says that image data was missing or could not be decoded (the picture is then partly
// made up: libjpeg fills what it lacks with grey). libjpeg's other warnings (extraneous bytes between segments, a
// bad ICC profile, an unknown JFIF version) leave the pixels whole and do not fail the task.
bool reportsMissingData(const QString& message)
{
    static const QLatin1String words[] = {
        QLatin1String("premature end"), // JWRN_HIT_MARKER (data segment), JWRN_JPEG_EOF (file)
        QLatin1String("bad huffman code"), // JWRN_HUFF_BAD_CODE
        QLatin1String("bad arithmetic code"), // JWRN_ARITH_BAD_CODE
        QLatin1String("instead of rst"), // JWRN_MUST_RESYNC: data lost up to the next restart marker
    };
    return std::any_of(std::begin(words), std::end(words),
        [&](QLatin1String word) { return message.contains(word, Qt::CaseInsensitive); });
}

// Whether JPEG data reaches its end-of-image marker (FF D9). Walks the marker segments by their lengths (so an EXIF
// thumbnail's own FF D9 inside APP1 does not count) and scans entropy-coded data for the next marker (where FF is
// always followed by a stuffed 00 or a restart marker). A file cut short never gets there; this catches cuts the
// decoder does not warn about: at a scan boundary of a progressive JPEG, or just before the marker. Bytes after
// the marker are ignored, as decoders do.
bool jpegReachesEndMarker(QByteArrayView data)
{
    const auto byte = [&](qsizetype at) { return uchar(data[at]); };
    const qsizetype size = data.size();
    if (size < 4 || byte(0) != 0xFF || byte(1) != 0xD8)
        return false;
    qsizetype pos = 2;
    while (pos < size) {
        if (byte(pos) != 0xFF) { // entropy-coded data (or garbage): on to the next FF
            const void* next = std::memchr(data.data() + pos, 0xFF, size_t(size - pos));
            if (!next)
                return false;
            pos = static_cast<const char*>(next) - data.data();
        }
        while (pos < size && byte(pos) == 0xFF) // FF, and any fill bytes before a marker
            ++pos;
        if (pos >= size)
            return false;
        const uchar marker = byte(pos++);
        if (marker == 0xD9)
            return true;
        if (marker == 0x00 || marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
            continue; // stuffed FF, TEM, SOI, RSTn: no length follows
        if (pos + 2 > size)
            return false;
        const int length = (byte(pos) << 8) | byte(pos + 1);
        if (length < 2)
            return false;
        pos += length; // past the segment; after SOS, its entropy-coded data follows
    }
    return false;
}

// Reads the whole file, for jpegReachesEndMarker(); nullopt when it cannot be read.
std::optional<QByteArray> readAll(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return std::nullopt;
    return data;
}

HandlerResult stopped()
{
    return HandlerResult::retryable(QStringLiteral("stopped before the image was written"));
}

} // namespace

QString ImageHandler::description() const
{
    return QStringLiteral("Resizes (fit within width x height), crops and re-encodes an image as JPEG, PNG or WebP.");
}

QJsonObject ImageHandler::payloadTemplate() const
{
    return QJsonObject {
        {inputKey, QStringLiteral("/path/to/photo.jpg")},
        {outputKey, QStringLiteral("/path/to/thumbs/photo.jpg")},
        {widthKey, 320},
        {heightKey, 320},
        {qualityKey, defaultQuality},
    };
}

std::optional<QString> ImageHandler::validate(const QJsonObject& payload) const
{
    if (auto error = payload::checkRequiredString(payload, inputKey))
        return error;
    if (auto error = payload::checkRequiredString(payload, outputKey))
        return error;
    if (auto error = payload::checkOptionalString(payload, formatKey))
        return error;
    const QByteArray format = outputFormat(payload);
    if (format.isEmpty())
        return QStringLiteral("\"format\" must be \"jpeg\", \"png\" or \"webp\"");
    if (!canWrite(format))
        return QStringLiteral("\"format\": this system cannot write %1 images").arg(QLatin1String(format));
    if (auto error = payload::checkOptionalInteger(payload, qualityKey, 0, 100))
        return error;
    if (auto error = payload::checkOptionalInteger(payload, widthKey, 1, maxDimension))
        return error;
    if (auto error = payload::checkOptionalInteger(payload, heightKey, 1, maxDimension))
        return error;
    if (auto error = payload::checkOptionalBool(payload, upscaleKey))
        return error;
    const QJsonValue crop = payload.value(cropKey);
    if (!crop.isUndefined()) {
        if (!crop.isObject())
            return QStringLiteral("\"crop\" must be an object {x, y, width, height}");
        const QJsonObject rect = crop.toObject();
        for (const auto& [key, min] : {std::pair {QLatin1String("x"), 0}, std::pair {QLatin1String("y"), 0},
                 std::pair {widthKey, 1}, std::pair {heightKey, 1}}) {
            if (!rect.contains(key))
                return QStringLiteral("\"crop.%1\" is required").arg(key);
            if (auto error = payload::checkOptionalInteger(rect, key, min, maxDimension))
                return QStringLiteral("\"crop.") + error->mid(1);
        }
    }
    return std::nullopt;
}

HandlerResult ImageHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    if (auto error = validate(payload))
        return HandlerResult::permanent(*error);
    const QString input = payload.value(inputKey).toString();
    const QString output = payload.value(outputKey).toString();
    const QByteArray format = outputFormat(payload);
    const int quality = int(payload::integer(payload, qualityKey, defaultQuality));
    const std::optional<QRect> crop = cropRect(payload);

    const QFileInfo inputInfo(input);
    if (!inputInfo.exists())
        return HandlerResult::permanent(QStringLiteral("input image \"%1\" does not exist").arg(input));
    if (!inputInfo.isFile())
        return HandlerResult::permanent(QStringLiteral("input \"%1\" is not a file").arg(input));

    context.reportProgress(0.0, QStringLiteral("reading"));
    // From the first look at the header to the end of decoding: libjpeg says only its first warning per image, and
    // that may come while the header is read.
    std::optional<WarningCapture> warnings(std::in_place);
    QImageReader reader(input);
    reader.setAutoTransform(true);
    if (!reader.canRead())
        return HandlerResult::permanent(
            QStringLiteral("cannot read image \"%1\": %2").arg(input, reader.errorString()));
    const QByteArray sourceFormat = reader.format(); // asked before read(): afterwards it can be empty

    // Without a crop, let the decoder do the shrinking: the JPEG plugin then decodes at a fraction of the size,
    // which is far cheaper than decoding everything and scaling afterwards. The scaled size is in stored
    // orientation, so a 90-degree EXIF rotation swaps the box.
    QSize stored = reader.size();
    if (!crop && stored.isValid()) {
        const bool rotated = reader.transformation() & QImageIOHandler::TransformationRotate90;
        QSize oriented = rotated ? stored.transposed() : stored;
        QSize target = fittedSize(oriented, payload);
        if (target.width() < oriented.width())
            reader.setScaledSize(rotated ? target.transposed() : target);
    }

    QImage image = reader.read();
    const QStringList decoderWarnings = warnings->messages();
    warnings.reset();
    if (image.isNull()) {
        QString error = QStringLiteral("cannot decode image \"%1\": %2").arg(input, reader.errorString());
        if (!decoderWarnings.isEmpty())
            error += QStringLiteral(" (decoder: %1)").arg(decoderWarnings.join(QLatin1String("; ")));
        return HandlerResult::permanent(error);
    }
    // A decoder may fill in what it could not read and still succeed (libjpeg makes the rest of the picture grey):
    // corrupt input all the same.
    if (std::any_of(decoderWarnings.cbegin(), decoderWarnings.cend(), reportsMissingData))
        return HandlerResult::permanent(QStringLiteral("image \"%1\" is truncated or corrupt: %2")
                                            .arg(input, decoderWarnings.join(QLatin1String("; "))));
    if (sourceFormat == "jpeg") {
        const std::optional<QByteArray> data = readAll(input);
        if (!data)
            return HandlerResult::permanent(QStringLiteral("cannot read image \"%1\"").arg(input));
        if (!jpegReachesEndMarker(*data)) {
            QString error
                = QStringLiteral("image \"%1\" is truncated: the JPEG data ends before its end-of-image marker")
                      .arg(input);
            if (!decoderWarnings.isEmpty())
                error += QStringLiteral(" (decoder: %1)").arg(decoderWarnings.join(QLatin1String("; ")));
            return HandlerResult::permanent(error);
        }
    }
    if (context.isCancelled())
        return stopped();
    context.reportProgress(0.4, QStringLiteral("scaling"));

    if (crop) {
        if (!image.rect().contains(*crop))
            return HandlerResult::permanent(QStringLiteral("\"crop\" %1,%2 %3x%4 lies outside the %5x%6 image")
                                                .arg(crop->x())
                                                .arg(crop->y())
                                                .arg(crop->width())
                                                .arg(crop->height())
                                                .arg(image.width())
                                                .arg(image.height()));
        image = image.copy(*crop);
    }
    const QSize target = fittedSize(image.size(), payload);
    if (target != image.size())
        image = image.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    // JPEG has no alpha: flatten onto white rather than letting transparent pixels turn black.
    if (format == "jpeg" && image.hasAlphaChannel()) {
        QImage flat(image.size(), QImage::Format_RGB32);
        flat.fill(Qt::white);
        QPainter painter(&flat);
        painter.drawImage(0, 0, image);
        painter.end();
        image = std::move(flat);
    }
    if (context.isCancelled())
        return stopped();
    context.reportProgress(0.7, QStringLiteral("writing"));

    const QFileInfo outputInfo(output);
    if (!QDir().mkpath(outputInfo.absolutePath()))
        return HandlerResult::permanent(
            QStringLiteral("cannot create the output directory \"%1\"").arg(outputInfo.absolutePath()));
    QSaveFile file(output);
    if (!file.open(QIODevice::WriteOnly))
        return HandlerResult::permanent(QStringLiteral("cannot write \"%1\": %2").arg(output, file.errorString()));
    QImageWriter writer(&file, format);
    // For PNG, Qt maps quality to zlib effort; leave its default unless asked.
    if (format != "png" || payload.contains(qualityKey))
        writer.setQuality(quality);
    if (!writer.write(image)) {
        file.cancelWriting();
        return HandlerResult::retryable(QStringLiteral("cannot encode \"%1\": %2").arg(output, writer.errorString()));
    }
    if (context.isCancelled()) {
        file.cancelWriting();
        return stopped();
    }
    if (!file.commit())
        return HandlerResult::retryable(QStringLiteral("cannot write \"%1\": %2").arg(output, file.errorString()));

    const qint64 bytes = QFileInfo(output).size();
    context.reportProgress(1.0);
    return HandlerResult::success(QJsonObject {
        {outputKey, output},
        {formatKey, QLatin1String(format)},
        {QStringLiteral("bytes"), bytes},
        {widthKey, image.width()},
        {heightKey, image.height()},
        {QStringLiteral("inputBytes"), inputInfo.size()},
        {QStringLiteral("bytesSaved"), inputInfo.size() - bytes},
    });
}

} // namespace qd
