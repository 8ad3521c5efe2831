#pragma once

#include "../taskhandler.h"

namespace qd {

// Type "image": reads an image, optionally crops it, shrinks it to fit a box (keeping the aspect ratio; never
// enlarges unless "upscale" is true) and re-encodes it as JPEG, PNG or WebP (WebP only when a Qt image plugin can
// write it).
//
// Payload:
//   input     (string, required)  path of the source image
//   output    (string, required)  path to write; a missing output directory is created. The file is written to a
//                                  temporary name and renamed into place, so readers never see half an image.
//   format    ("jpeg"|"png"|"webp", optional) default: from the output suffix, else "jpeg"
//   quality   (0..100, optional)   encoder quality, default 85 (PNG: compression effort)
//   width, height (1..65535, optional) the box to fit in; either may be given alone
//   crop      ({x, y, width, height}, optional) a rectangle of the source (after EXIF rotation), applied first
//   upscale   (bool, optional)     enlarge images smaller than the box, default false
//
// Result: output, format, bytes, width, height, inputBytes, bytesSaved (inputBytes - bytes; negative when larger).
// Failures: a missing, unreadable or corrupt input, a crop outside the image, or an output directory that cannot be
// created are permanent; a failed write of the output (disk full...) is retryable. Decoding one image cannot be
// interrupted, so cancellation is checked between the steps (open, decode, scale, encode).
// Corrupt includes truncated: a decoder that fills in missing data and still succeeds (libjpeg greys out what it
// lacks and only logs "Corrupt JPEG data: premature end of data segment") fails the task with the decoder's words
// in the error, as does a JPEG whose data never reaches its end-of-image marker (a cut the decoder does not always
// notice, e.g. between the scans of a progressive JPEG). The decoder's warnings are heard through a message
// handler that is installed only while images are being decoded and passes every message on (see imagehandler.cpp).
// EXIF orientation is applied: width, height and crop are in the orientation the photo is viewed in, and so is
// the output, which carries no orientation tag.
//
// Thread contract: stateless; run() and validate() may be called from any number of threads at once.
class ImageHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("image"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;
};

} // namespace qd
