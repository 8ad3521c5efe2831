#include "emptydatabasehint.h"

#include "core/databaseurl.h"
#include "core/storeoptions.h"
#include "tasktablemodel.h"

#include <QAbstractItemView>
#include <QEvent>

namespace qd::ui {

EmptyDatabaseHint::EmptyDatabaseHint(TaskTableModel* model, QAbstractItemView* view, const QString& databasePath,
    bool writable, const QKeySequence& enqueueKeys)
    : QLabel(view->viewport())
    , m_model(model)
    , m_view(view)
{
    setObjectName(QStringLiteral("emptyDatabaseHint"));
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setTextFormat(Qt::RichText);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    setForegroundRole(QPalette::PlaceholderText);
    // The demo command names the database only when it is not the default one, which the CLI opens by itself.
    const QString db = databasePath == defaultDatabasePath()
        ? QString()
        : QStringLiteral(" --db ") + databaseDisplayName(databasePath).toHtmlEscaped();
    setText(writable ? tr("<p><b>This database has no tasks yet.</b></p>"
                          "<p>Enqueue some with <b>Tasks &gt; Enqueue\u2026</b> (%1),<br>or fill it with a demo "
                          "workload: <code>queuedesk-cli demo%2</code></p>")
                           .arg(enqueueKeys.toString(QKeySequence::NativeText), db)
                     : tr("<p><b>This database has no tasks.</b></p><p>This window is read-only.</p>"));
    hide();
    view->viewport()->installEventFilter(this);
    connect(model, &TaskTableModel::totalCountChanged, this, &EmptyDatabaseHint::update);
    update(model->totalCount());
}

void EmptyDatabaseHint::update(qint64 count)
{
    setVisible(count == 0 && m_model->filter().isEmpty());
    place();
}

void EmptyDatabaseHint::place()
{
    setGeometry(m_view->viewport()->rect().adjusted(24, 24, -24, -24));
}

bool EmptyDatabaseHint::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        place();
    return QLabel::eventFilter(watched, event);
}

} // namespace qd::ui
