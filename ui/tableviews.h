#pragma once

#include <QString>

class QTableView;
class QWidget;

namespace qd::ui {

// The look the window's tables share (task table, queue list, workers panel): fixed row height, whole-row selection,
// actions as the context menu, and PlainTextDelegate painting.
QTableView* makeTableView(QWidget* parent);

// Makes a column wide enough for its header and for `widest`, the widest value it is expected to show, measured in
// the view's own fonts: fixed pixel widths cut "Wait p95" and "scheduled" off with a larger platform font.
void fitColumn(QTableView* view, int column, const QString& widest = {});

// The widest duration the columns expect (formatDuration output).
QString widestDuration();

} // namespace qd::ui
