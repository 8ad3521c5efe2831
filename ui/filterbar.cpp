#include "filterbar.h"

#include "taskformat.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace qd::ui {

FilterBar::FilterBar(QWidget* parent)
    : QWidget(parent)
    , m_queueBox(new QComboBox(this))
    , m_stateBox(new QComboBox(this))
    , m_typeBox(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_matches(new QLabel(this))
{
    setItems(m_queueBox, tr("All queues"), {});
    setItems(m_typeBox, tr("All types"), {});
    m_stateBox->addItem(tr("All states"), -1);
    for (TaskState s : allTaskStates)
        m_stateBox->addItem(taskStateName(s), int(s));
    for (QComboBox* box : {m_queueBox, m_stateBox, m_typeBox}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        connect(box, &QComboBox::currentIndexChanged, this, &FilterBar::emitChanged);
    }
    m_search->setPlaceholderText(tr("Search payload and errors (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(searchDelayMs);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchTimer.start(); });
    connect(&m_searchTimer, &QTimer::timeout, this, &FilterBar::emitChanged);
    // Enter searches at once instead of after the delay.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_searchTimer.stop();
        emitChanged();
    });
    auto* reset = new QToolButton(this);
    reset->setText(tr("Clear filter"));
    connect(reset, &QToolButton::clicked, this, &FilterBar::clear);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_queueBox);
    layout->addWidget(m_stateBox);
    layout->addWidget(m_typeBox);
    layout->addWidget(m_search, 1);
    layout->addWidget(reset);
    layout->addWidget(m_matches);
}

void FilterBar::setItems(QComboBox* box, const QString& allText, const QStringList& items)
{
    const QString current = box->currentData().toString();
    const QSignalBlocker blocker(box); // a refreshed list is not a new filter
    box->clear();
    box->addItem(allText, QString());
    for (const QString& item : items)
        box->addItem(item, item);
    const int i = box->findData(current);
    if (i >= 0) {
        box->setCurrentIndex(i);
    } else if (!current.isEmpty()) {
        // Keep a selection the list does not know (yet): the filter must not change under the admin's feet.
        box->addItem(current, current);
        box->setCurrentIndex(box->count() - 1);
    }
}

void FilterBar::setQueues(const QStringList& queues)
{
    setItems(m_queueBox, tr("All queues"), queues);
}

void FilterBar::setTypes(const QStringList& types)
{
    setItems(m_typeBox, tr("All types"), types);
}

void FilterBar::setQueue(const QString& queue)
{
    int i = m_queueBox->findData(queue);
    if (i < 0) {
        m_queueBox->addItem(queue, queue);
        i = m_queueBox->count() - 1;
    }
    m_queueBox->setCurrentIndex(i);
}

void FilterBar::setState(std::optional<TaskState> state)
{
    m_stateBox->setCurrentIndex(m_stateBox->findData(state ? int(*state) : -1));
}

void FilterBar::setSearchText(const QString& text)
{
    m_search->setText(text);
}

void FilterBar::focusSearch()
{
    m_search->setFocus();
    m_search->selectAll();
}

void FilterBar::clear()
{
    {
        const QSignalBlocker b1(m_queueBox), b2(m_stateBox), b3(m_typeBox), b4(m_search);
        m_queueBox->setCurrentIndex(0);
        m_stateBox->setCurrentIndex(0);
        m_typeBox->setCurrentIndex(0);
        m_search->clear();
    }
    m_searchTimer.stop();
    emitChanged();
}

void FilterBar::setMatchCount(qint64 count)
{
    m_matches->setText(count < 0 ? tr("counting\u2026") : tr("%1 tasks").arg(formatCount(count)));
}

TaskFilter FilterBar::filter() const
{
    TaskFilter f;
    if (const QString q = m_queueBox->currentData().toString(); !q.isEmpty())
        f.queues = {q};
    if (const int s = m_stateBox->currentData().toInt(); s >= 0)
        f.states = {TaskState(s)};
    if (const QString t = m_typeBox->currentData().toString(); !t.isEmpty())
        f.types = {t};
    f.search = m_search->text().trimmed();
    return f;
}

void FilterBar::emitChanged()
{
    Q_EMIT filterChanged(filter());
}

} // namespace qd::ui
