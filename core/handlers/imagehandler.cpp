#include "imagehandler.h"

#include "../handlercontext.h"
#include "payloadfields.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <QSaveFile>

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
    QImageReader reader(input);
    reader.setAutoTransform(true);
    if (!reader.canRead())
        return HandlerResult::permanent(
            QStringLiteral("cannot read image \"%1\": %2").arg(input, reader.errorString()));

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
    if (image.isNull())
        return HandlerResult::permanent(
            QStringLiteral("cannot decode image \"%1\": %2").arg(input, reader.errorString()));
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
