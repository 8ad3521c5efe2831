// PlainTextDelegate must paint what QStyledItemDelegate paints: the same table grabbed with each delegate gives the
// same image (alignment, elision, the palette's colours, selection, the focus frame), and a text changed between two
// paints, or a column's new width, is painted anew, not taken from the cache.
#include "ui/plaintextdelegate.h"

#include <QHeaderView>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTest>

using namespace qd::ui;

namespace {

// Rows of what the task table shows: ids and numbers right-aligned, names, a coloured state, a long error elided.
std::unique_ptr<QStandardItemModel> makeModel()
{
    auto model = std::make_unique<QStandardItemModel>(0, 4);
    for (int row = 0; row < 12; ++row) {
        QList<QStandardItem*> items;
        auto* id = new QStandardItem(QString::number(1'000'000 - row));
        id->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        items.append(id);
        items.append(new QStandardItem(row % 2 ? QStringLiteral("images") : QStringLiteral("notifications")));
        auto* state = new QStandardItem(row % 3 ? QStringLiteral("succeeded") : QStringLiteral("failed"));
        state->setForeground(row % 3 ? QColor(Qt::darkGreen) : QColor(Qt::red));
        items.append(state);
        items.append(new QStandardItem(
            QStringLiteral("HTTP 503 from https://hooks.example.com/notify/%1 after 3 attempts: upstream unavailable, "
                           "Grüße")
                .arg(row)));
        model->appendRow(items);
    }
    return model;
}

// Where two images differ: the bounding box and the number of pixels, for the failure message.
QString difference(const QImage& a, const QImage& b)
{
    QRect box;
    int pixels = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            if (a.pixel(x, y) != b.pixel(x, y)) {
                box |= QRect(x, y, 1, 1);
                ++pixels;
            }
        }
    }
    return QStringLiteral("%1 pixels differ, within (%2,%3) %4x%5")
        .arg(pixels)
        .arg(box.x())
        .arg(box.y())
        .arg(box.width())
        .arg(box.height());
}

QImage paintTable(QAbstractItemDelegate* delegate, QStandardItemModel* model, int errorColumnWidth = 220)
{
    QTableView view;
    view.setModel(model);
    view.setItemDelegate(delegate);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setAlternatingRowColors(true);
    view.setWordWrap(false);
    view.verticalHeader()->hide();
    view.setColumnWidth(0, 70);
    view.setColumnWidth(1, 60); // "notifications" is elided, "images" is not
    view.setColumnWidth(2, 80);
    view.setColumnWidth(3, errorColumnWidth);
    view.resize(460, 300);
    view.show();
    view.setFocus();
    view.selectRow(2);
    view.setCurrentIndex(model->index(4, 1)); // the focus frame on one cell
    view.selectionModel()->select(model->index(7, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCoreApplication::processEvents();
    return view.viewport()->grab().toImage();
}

} // namespace

class TestPlainTextDelegate : public QObject {
    Q_OBJECT

private slots:
    void paintsWhatTheStyledDelegatePaints()
    {
        auto model = makeModel();
        QStyledItemDelegate styled;
        PlainTextDelegate plain;
        const QImage expected = paintTable(&styled, model.get());
        const QImage actual = paintTable(&plain, model.get());
        QCOMPARE(actual.size(), expected.size());
        if (actual != expected) {
            expected.save(QStringLiteral("plaintextdelegate-expected.png"));
            actual.save(QStringLiteral("plaintextdelegate-actual.png"));
            QFAIL(qPrintable(difference(expected, actual)
                + QStringLiteral(": see plaintextdelegate-expected.png and plaintextdelegate-actual.png")));
        }
    }

    void changedTextIsPaintedAnew()
    {
        auto model = makeModel();
        PlainTextDelegate plain;
        QStyledItemDelegate styled;
        (void)paintTable(&plain, model.get()); // fills the cache
        model->item(3, 1)->setText(QStringLiteral("reports"));
        model->item(5, 2)->setText(QStringLiteral("cancelled"));
        QCOMPARE(paintTable(&plain, model.get()), paintTable(&styled, model.get()));
        // A column made narrower or wider elides its texts anew.
        QCOMPARE(paintTable(&plain, model.get(), 150), paintTable(&styled, model.get(), 150));
        QCOMPARE(paintTable(&plain, model.get(), 330), paintTable(&styled, model.get(), 330));
    }
};

QTEST_MAIN(TestPlainTextDelegate)
#include "tst_plaintextdelegate.moc"
