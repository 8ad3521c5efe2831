#include "helpdialogs.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMessageBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace qd::ui {

namespace {

QString plainText(const QAction* action)
{
    QString text = action->text();
    text.remove(QLatin1Char('&'));
    text.remove(QChar(0x2026)); // the ellipsis of actions that open a dialog
    return text;
}

} // namespace

QDialog* showShortcutsDialog(const QList<QAction*>& actions, QWidget* parent)
{
    QList<std::pair<QString, QString>> rows;
    for (const QAction* action : actions) {
        if (!action->shortcut().isEmpty())
            rows.append({plainText(action), action->shortcut().toString(QKeySequence::NativeText)});
    }
    std::sort(rows.begin(), rows.end());
    rows.append({QApplication::translate("qd::ui::HelpDialogs", "Next panel / previous panel"),
        QApplication::translate("qd::ui::HelpDialogs", "Tab / Shift+Tab")});
    rows.append({QApplication::translate("qd::ui::HelpDialogs", "Context menu of the table or queue list"),
        QApplication::translate("qd::ui::HelpDialogs", "Menu key / Shift+F10")});

    auto* dialog = new QDialog(parent);
    dialog->setObjectName(QStringLiteral("shortcutsDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QApplication::translate("qd::ui::HelpDialogs", "Keyboard shortcuts"));
    auto* table = new QTableWidget(int(rows.size()), 2, dialog);
    table->setHorizontalHeaderLabels({QApplication::translate("qd::ui::HelpDialogs", "Action"),
        QApplication::translate("qd::ui::HelpDialogs", "Keys")});
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setTabKeyNavigation(false);
    for (int r = 0; r < rows.size(); ++r) {
        table->setItem(r, 0, new QTableWidgetItem(rows.at(r).first));
        table->setItem(r, 1, new QTableWidgetItem(rows.at(r).second));
    }
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table->resizeColumnToContents(1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(table);
    layout->addWidget(buttons);
    dialog->resize(460, 560);
    dialog->show();
    return dialog;
}

QMessageBox* showAboutBox(QWidget* parent)
{
    auto* box = new QMessageBox(parent);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIconPixmap(QApplication::windowIcon().pixmap(64, 64));
    box->setWindowTitle(QApplication::translate("qd::ui::HelpDialogs", "About QueueDesk"));
    box->setText(QApplication::translate("qd::ui::HelpDialogs", "<b>QueueDesk %1</b>")
                     .arg(QApplication::applicationVersion().toHtmlEscaped()));
    box->setInformativeText(QApplication::translate("qd::ui::HelpDialogs",
        "A desktop app and command line for administering a task queue on SQLite, PostgreSQL or MariaDB.\n\n"
        "Built with Qt %1, running on Qt %2.")
                                .arg(QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion())));
    box->setStandardButtons(QMessageBox::Close);
    box->setWindowModality(Qt::WindowModal);
    box->show();
    return box;
}

} // namespace qd::ui
