#pragma once

#include "chartpoint.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QToolButton;

namespace qd::ui {

// The charts' scope chooser: all queues (the default), one queue or one task type; "a line per queue" (with all
// queues only); and "Reset zoom" while the time axis is zoomed.
//
// Thread contract: GUI thread only.
class ChartScopeBar : public QWidget {
    Q_OBJECT
public:
    explicit ChartScopeBar(QWidget* parent = nullptr);

    // The queues and types offered; the current choice stays (and stays offered) whatever the lists say.
    void setQueues(const QStringList& queues);
    void setTypes(const QStringList& types);
    QStringList queues() const { return m_queues; }
    QStringList types() const { return m_types; }

    ChartScope scope() const { return m_scope; }
    // Changes the choice without emitting scopeChanged.
    void setScope(const ChartScope& scope);
    bool linePerQueue() const;
    void setLinePerQueue(bool on);
    void setZoomed(bool zoomed);

Q_SIGNALS:
    // The user chose another scope, or turned the per-queue lines on or off.
    void scopeChanged();
    void linePerQueueChanged(bool on);
    void resetZoomRequested();

private:
    void rebuild();

    ChartScope m_scope;
    QStringList m_queues;
    QStringList m_types;
    QComboBox* m_box;
    QCheckBox* m_perQueue;
    QToolButton* m_resetZoom;
};

} // namespace qd::ui
