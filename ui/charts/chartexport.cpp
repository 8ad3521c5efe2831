// Saving a chart as shown (PNG, SVG) with the whole legend under it: the export half of TimeSeriesChart, apart so
// that the chart's own file stays about drawing.
#include "chartlegend.h"
#include "timeserieschart.h"

#include <QBuffer>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QSvgGenerator>

namespace qd::ui {

int TimeSeriesChart::legendHeightForExport(int width) const
{
    return m_legend->entries().isEmpty() ? 0 : m_legend->heightForWidth(width);
}

QImage TimeSeriesChart::toImage(qreal scale) const
{
    // The scene, not the widget: QWidget::render clips to the widget's size in device pixels, so a scaled
    // rendering would lose three quarters of the chart.
    const QSize size = m_view->viewport()->size();
    const int legendHeight = legendHeightForExport(size.width());
    QImage image(QSize(size.width(), size.height() + legendHeight) * scale, QImage::Format_ARGB32_Premultiplied);
    image.fill(backgroundColor());
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    renderScene(painter, QRectF(QPointF(0, 0), QSizeF(size * scale)));
    // The whole legend under the plot, every row (on screen some may scroll).
    painter.scale(scale, scale);
    m_legend->paintEntries(painter, QRect(0, size.height(), size.width(), legendHeight), m_chart->titleBrush().color());
    painter.end();
    return image;
}

void TimeSeriesChart::renderScene(QPainter& painter, const QRectF& target) const
{
    const QRectF source = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    m_view->scene()->render(&painter, target, source, Qt::IgnoreAspectRatio);
}

QString TimeSeriesChart::saveAs(const QString& path) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        const QSize size = m_view->viewport()->size();
        const int legendHeight = legendHeightForExport(size.width());
        const QSize whole(size.width(), size.height() + legendHeight);
        svg.setSize(whole);
        svg.setViewBox(QRect(QPoint(0, 0), whole));
        svg.setTitle(m_chart->title());
        svg.setDescription(tr("QueueDesk chart"));
        QPainter painter(&svg);
        painter.fillRect(QRect(QPoint(0, 0), whole), backgroundColor());
        renderScene(painter, QRectF(QPointF(0, 0), QSizeF(size)));
        m_legend->paintEntries(
            painter, QRect(0, size.height(), size.width(), legendHeight), m_chart->titleBrush().color());
        painter.end();
    } else if (suffix == QLatin1String("png")) {
        if (!toImage().save(&buffer, "PNG"))
            return tr("Cannot encode the chart as PNG.");
    } else {
        return tr("Choose a file name ending in .png or .svg.");
    }
    // Through a temporary file renamed at the end: a full disk leaves no half-written image.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

void TimeSeriesChart::saveWithDialog()
{
    QSettings settings;
    QString dir = settings.value(QStringLiteral("export/lastDir")).toString();
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString name = m_chart->title().toLower();
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    QString selected = tr("PNG image (*.png)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart as"),
        QDir(dir).filePath(QStringLiteral("queuedesk-%1.png").arg(name)), tr("PNG image (*.png);;SVG drawing (*.svg)"),
        &selected);
    if (path.isEmpty())
        return;
    QString target = path;
    if (QFileInfo(target).suffix().isEmpty())
        target += selected.contains(QLatin1String("svg")) ? QStringLiteral(".svg") : QStringLiteral(".png");
    const QString error = saveAs(target);
    if (!error.isEmpty()) {
        Q_EMIT saveFailed(error);
        return;
    }
    settings.setValue(QStringLiteral("export/lastDir"), QFileInfo(target).absolutePath());
    Q_EMIT saved(target);
}

} // namespace qd::ui
