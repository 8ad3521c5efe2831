#include "ui/alertbanner.h"
#include "ui/alertruledialog.h"
#include "ui/enqueuedialog.h"
#include "ui/exportdialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/settingsdialog.h"
#include "ui/tasktablemodel.h"
#include "ui/themecolors.h"
#include "ui/themesetting.h"
#include "uitesthelpers.h"

#include <QApplication>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

#include <cmath>

using namespace qd;
using namespace qd::ui;

namespace {

// WCAG's relative luminance and contrast ratio: 4.5 is the minimum for body text.
double luminance(const QColor& c)
{
    const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrast(const QColor& a, const QColor& b)
{
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// The first 12x12 block of `image` whose pixels are all light, or a null point: in a dark theme a light patch
// (a hard-coded light background) shows up as one; text and thin lines never fill a whole block.
QPoint lightPatch(const QImage& image)
{
    constexpr int block = 12;
    for (int y = 0; y + block <= image.height(); y += block / 2) {
        for (int x = 0; x + block <= image.width(); x += block / 2) {
            bool light = true;
            for (int dy = 0; dy < block && light; ++dy) {
                for (int dx = 0; dx < block && light; ++dx)
                    light = QColor(image.pixel(x + dx, y + dy)).lightness() > 190;
            }
            if (light)
                return {x, y};
        }
    }
    return {-1, -1};
}

QString describeAt(QWidget* root, const QPoint& at)
{
    QWidget* w = root->childAt(at);
    QString path;
    for (; w && w != root; w = w->parentWidget())
        path += QStringLiteral("%1(%2) < ").arg(QString::fromLatin1(w->metaObject()->className()), w->objectName());
    return QStringLiteral("light patch at %1,%2: %3").arg(at.x()).arg(at.y()).arg(path);
}

void saveShot(QWidget* widget, const QString& name)
{
    const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR");
    if (!shots.isEmpty())
        widget->grab().save(shots + QLatin1Char('/') + name);
}

} // namespace

// Issue 17, round 2: the message strip, the alert banner and validation texts take their colours from the theme in
// use (no light patches in dark mode), and every tab and dialog of the window has none.
class TestThemeColors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void cleanup() { applyTheme(Theme::Light); }

    void stripsFollowTheTheme_data()
    {
        QTest::addColumn<int>("theme");
        QTest::newRow("light") << int(Theme::Light);
        QTest::newRow("dark") << int(Theme::Dark);
    }

    void stripsFollowTheTheme()
    {
        QFETCH(int, theme);
        applyTheme(Theme(theme));
        const bool dark = Theme(theme) == Theme::Dark;
        QCOMPARE(isDarkPalette(), dark);
        const QColor window = QApplication::palette().color(QPalette::Window);

        QWidget host;
        host.resize(500, 80);
        auto* bar = new MessageBar(&host);
        bar->setGeometry(0, 0, 500, bar->height());
        auto* banner = new AlertBanner(bar->height(), &host);
        banner->setGeometry(0, bar->height() + 4, 500, bar->height());
        host.show();
        QVERIFY(QTest::qWaitForWindowExposed(&host));

        for (const MessageBar::Kind kind : {MessageBar::Kind::Error, MessageBar::Kind::Info}) {
            bar->showMessage(kind, QStringLiteral("Retry failed: the database is read-only"));
            const StripColors c = bar->colors();
            // A tint of the window: dark on a dark theme, light on a light one, and its text readable on it.
            QVERIFY2(std::abs(c.background.lightness() - window.lightness()) < 60, qPrintable(c.background.name()));
            QVERIFY2(contrast(c.text, c.background) >= 4.5, qPrintable(c.text.name() + c.background.name()));
            const QImage image = bar->grab().toImage();
            QCOMPARE(QColor(image.pixel(0, image.height() / 2)).rgb(), c.border.rgb());
            QCOMPARE(QColor(image.pixel(4, image.height() / 2)).rgb(), c.background.rgb());
            saveShot(bar,
                QStringLiteral("messagebar-%1-%2.png")
                    .arg(themeName(Theme(theme)),
                        kind == MessageBar::Kind::Error ? QStringLiteral("error") : QStringLiteral("info")));
        }

        banner->setFiring({QStringLiteral("length of all queues above 1")});
        const StripColors a = banner->colors();
        QVERIFY2(contrast(a.text, a.background) >= 4.5, qPrintable(a.text.name() + a.background.name()));
        // Red in both themes, deeper on a dark window so it does not glare.
        QVERIFY(a.background.red() > 2 * a.background.green());
        if (dark)
            QVERIFY2(a.background.lightness() < 110, qPrintable(a.background.name()));
        const QImage image = banner->grab().toImage();
        QCOMPARE(QColor(image.pixel(4, image.height() / 2)).rgb(), a.background.rgb());
        QCOMPARE(banner->findChild<QLabel*>()->palette().color(QPalette::WindowText), a.text);
        saveShot(banner, QStringLiteral("alertbanner-%1.png").arg(themeName(Theme(theme))));

        // Validation texts stay readable on the window and on an input's base.
        const QPalette p = QApplication::palette();
        for (const QColor& text : {errorTextColor(), successTextColor()}) {
            QVERIFY2(contrast(text, p.color(QPalette::Window)) >= 3.0, qPrintable(text.name()));
            QVERIFY2(contrast(text, p.color(QPalette::Base)) >= 3.0, qPrintable(text.name()));
        }
    }

    // A theme switched while the strips are shown repaints them in the new colours.
    void switchingThemeRepaintsTheStrips()
    {
        applyTheme(Theme::Light);
        MessageBar bar;
        bar.resize(400, bar.height());
        bar.show();
        bar.showMessage(MessageBar::Kind::Error, QStringLiteral("x"));
        QVERIFY(QTest::qWaitForWindowExposed(&bar));
        const QColor light = bar.colors().background;
        applyTheme(Theme::Dark);
        QTRY_VERIFY(bar.colors().background.lightness() < light.lightness() - 60);
        QCOMPARE(QColor(bar.grab().toImage().pixel(4, bar.height() / 2)).rgb(), bar.colors().background.rgb());
    }

    // Every dock tab of a window in dark mode, with the message strip and the alert banner showing, and every dialog:
    // no light patch anywhere.
    void darkWindowAndDialogsHaveNoLightPatch()
    {
        applyTheme(Theme::Dark);
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(40)).ok());
        MainWindow window(engine);
        window.resize(1500, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(40));
        window.messageBar()->showMessage(MessageBar::Kind::Error, QStringLiteral("Retry failed: read-only"));
        window.alertBanner()->setFiring({QStringLiteral("length of all queues above 1")});
        for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
            dock->raise();
            QTest::qWait(150); // laid out and painted
            const QImage image = window.grab().toImage();
            const QPoint patch = lightPatch(image);
            saveShot(&window, QStringLiteral("dark-tab-%1.png").arg(dock->windowTitle().toLower()));
            QVERIFY2(
                patch.x() < 0, qPrintable(dock->windowTitle() + QStringLiteral(": ") + describeAt(&window, patch)));
        }

        const QStringList queues {QStringLiteral("emails"), QStringLiteral("images")};
        QList<QDialog*> dialogs {new SettingsDialog(*engine, &window),
            new EnqueueDialog(engine->handlers(), queues, &window),
            new ExportDialog(engine->options().store, TaskFilter {}, 40, queues, &window),
            new AlertRuleDialog(engine->handlers(), queues, &window)};
        for (QDialog* dialog : dialogs) {
            dialog->show();
            QVERIFY(QTest::qWaitForWindowExposed(dialog));
            QTest::qWait(50);
            const QImage image = dialog->grab().toImage();
            saveShot(dialog,
                QStringLiteral("dark-%1.png")
                    .arg(QString::fromLatin1(dialog->metaObject()->className())
                             .section(QLatin1String("::"), -1)
                             .toLower()));
            const QPoint patch = lightPatch(image);
            QVERIFY2(patch.x() < 0, qPrintable(describeAt(dialog, patch)));
            delete dialog;
        }
    }
};

QTEST_MAIN(TestThemeColors)
#include "tst_themecolors.moc"
