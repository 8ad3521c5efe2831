#include "filterbar.h"

#include "taskformat.h"
#include "themecolors.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace qd::ui {

namespace {

// A date-time edit at its minimum shows "any": no bound on that side of the range.
const QDateTime unbounded = QDateTime(QDate(2000, 1, 1), QTime(0, 0));

QDateTimeEdit* rangeEdit(const QString& prefix, const QString& tip, QWidget* parent)
{
    auto* edit = new QDateTimeEdit(parent);
    edit->setCalendarPopup(true);
    // The word stays in front of a date too ("From 2026-03-01 09:00"), so the two fields are never confused.
    edit->setDisplayFormat(QStringLiteral("'%1' yyyy-MM-dd HH:mm").arg(prefix.trimmed().chopped(1)));
    edit->setMinimumDateTime(unbounded);
    edit->setSpecialValueText(prefix + QObject::tr("any"));
    edit->setDateTime(unbounded);
    edit->setToolTip(tip);
    return edit;
}

qint64 boundOf(const QDateTimeEdit* edit)
{
    return edit->dateTime() == unbounded ? 0 : edit->dateTime().toMSecsSinceEpoch();
}

void setBound(QDateTimeEdit* edit, qint64 ms)
{
    edit->setDateTime(ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms) : unbounded);
}

} // namespace

FilterBar::FilterBar(QWidget* parent)
    : QWidget(parent)
    , m_queueBox(new QComboBox(this))
    , m_stateBox(new QComboBox(this))
    , m_typeBox(new QComboBox(this))
    , m_from(rangeEdit(tr("From: "), tr("Tasks created at or after this time (local time)."), this))
    , m_to(rangeEdit(tr("To: "), tr("Tasks created before this time (local time)."), this))
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
    m_from->setObjectName(QStringLiteral("createdFrom"));
    m_to->setObjectName(QStringLiteral("createdTo"));
    for (QDateTimeEdit* edit : {m_from, m_to}) {
        // Stepping up from "any" starts at this hour, not at a minute past the minimum in 2000.
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, [edit](const QDateTime& value) {
            if (value > unbounded && value.date().year() == unbounded.date().year()) {
                const QDateTime now = QDateTime::currentDateTime();
                edit->setDateTime(QDateTime(now.date(), QTime(now.time().hour(), 0)));
            }
        });
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &FilterBar::emitChanged);
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
    layout->addWidget(m_from);
    layout->addWidget(m_to);
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
        const QSignalBlocker b1(m_queueBox), b2(m_stateBox), b3(m_typeBox), b4(m_search), b5(m_from), b6(m_to);
        m_queueBox->setCurrentIndex(0);
        m_stateBox->setCurrentIndex(0);
        m_typeBox->setCurrentIndex(0);
        m_search->clear();
        m_from->setDateTime(unbounded);
        m_to->setDateTime(unbounded);
    }
    m_searchTimer.stop();
    emitChanged();
}

void FilterBar::setCreatedRange(qint64 from, qint64 to)
{
    {
        const QSignalBlocker b1(m_from), b2(m_to);
        setBound(m_from, from);
        setBound(m_to, to);
    }
    emitChanged();
}

QString FilterBar::rangeError() const
{
    const qint64 from = boundOf(m_from);
    const qint64 to = boundOf(m_to);
    return from > 0 && to > 0 && to <= from ? tr("The range ends before it starts.") : QString();
}

void FilterBar::setMatchCount(qint64 count)
{
    m_matchCount = count;
    if (const QString error = rangeError(); !error.isEmpty()) {
        m_matches->setText(error);
        m_matches->setStyleSheet(textColorStyle(errorTextColor()));
        return;
    }
    m_matches->setStyleSheet(QString());
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
    f.createdFrom = boundOf(m_from);
    f.createdTo = boundOf(m_to);
    return f;
}

void FilterBar::emitChanged()
{
    // A range that ends before it starts keeps the table as it was; the count's place says why.
    const bool invalid = !rangeError().isEmpty();
    for (QDateTimeEdit* edit : {m_from, m_to})
        edit->setStyleSheet(invalid ? textColorStyle(errorTextColor()) : QString());
    setMatchCount(m_matchCount);
    if (invalid)
        return;
    Q_EMIT filterChanged(filter());
}

} // namespace qd::ui
