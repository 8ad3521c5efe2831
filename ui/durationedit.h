#pragma once

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;

namespace qd::ui {

// A duration typed as a number and a unit (s, min, h), read in milliseconds.
//
// Thread contract: GUI thread only.
class DurationEdit : public QWidget {
    Q_OBJECT
public:
    explicit DurationEdit(QWidget* parent = nullptr);

    qint64 milliseconds() const;
    // Shown in the largest unit that holds it whole (90 s stays "90 s", 300 s becomes "5 min").
    void setMilliseconds(qint64 ms);
    QDoubleSpinBox* number() const { return m_number; }
    QComboBox* unit() const { return m_unit; }

Q_SIGNALS:
    void changed();

private:
    QDoubleSpinBox* m_number;
    QComboBox* m_unit;
};

} // namespace qd::ui
