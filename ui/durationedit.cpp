#include "durationedit.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>

#include <array>
#include <cmath>

namespace qd::ui {

namespace {
constexpr std::array<qint64, 3> unitMs {1000, 60'000, 3'600'000};
}

DurationEdit::DurationEdit(QWidget* parent)
    : QWidget(parent)
    , m_number(new QDoubleSpinBox(this))
    , m_unit(new QComboBox(this))
{
    m_number->setDecimals(1);
    m_number->setRange(0, 1e6);
    m_number->setAccelerated(true);
    m_unit->addItems({tr("s"), tr("min"), tr("h")});
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_number, 1);
    layout->addWidget(m_unit);
    connect(m_number, &QDoubleSpinBox::valueChanged, this, &DurationEdit::changed);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &DurationEdit::changed);
}

qint64 DurationEdit::milliseconds() const
{
    return qint64(
        std::llround(m_number->value() * double(unitMs.at(std::size_t(std::max(0, m_unit->currentIndex()))))));
}

void DurationEdit::setMilliseconds(qint64 ms)
{
    int unit = 0;
    for (int i = int(unitMs.size()) - 1; i > 0; --i) {
        if (ms >= unitMs.at(std::size_t(i)) && ms % unitMs.at(std::size_t(i)) == 0) {
            unit = i;
            break;
        }
    }
    const QSignalBlocker numberBlocker(m_number);
    const QSignalBlocker unitBlocker(m_unit);
    m_unit->setCurrentIndex(unit);
    m_number->setValue(double(ms) / double(unitMs.at(std::size_t(unit))));
    Q_EMIT changed();
}

} // namespace qd::ui
