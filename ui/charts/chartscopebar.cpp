#include "chartscopebar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QToolButton>

namespace qd::ui {

namespace {

constexpr int kindRole = Qt::UserRole;
constexpr int nameRole = Qt::UserRole + 1;

} // namespace

ChartScopeBar::ChartScopeBar(QWidget* parent)
    : QWidget(parent)
    , m_box(new QComboBox(this))
    , m_perQueue(new QCheckBox(tr("Line per queue"), this))
    , m_resetZoom(new QToolButton(this))
{
    m_box->setObjectName(QStringLiteral("chartScope"));
    m_box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_perQueue->setObjectName(QStringLiteral("linePerQueue"));
    m_perQueue->setToolTip(tr("Queued tasks, completions and wait p95 drawn as one line per queue"));
    m_resetZoom->setObjectName(QStringLiteral("resetZoom"));
    m_resetZoom->setText(tr("Reset zoom"));
    m_resetZoom->setToolTip(tr("Show the whole range again (or double-click a chart)"));
    m_resetZoom->setVisible(false);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Show:"), this));
    layout->addWidget(m_box);
    layout->addWidget(m_perQueue);
    layout->addWidget(m_resetZoom);

    connect(m_box, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i < 0)
            return;
        m_scope = ChartScope {
            ChartScope::Kind(m_box->itemData(i, kindRole).toInt()), m_box->itemData(i, nameRole).toString()};
        m_perQueue->setEnabled(m_scope.kind == ChartScope::Kind::AllQueues);
        Q_EMIT scopeChanged();
    });
    connect(m_perQueue, &QCheckBox::toggled, this, &ChartScopeBar::linePerQueueChanged);
    connect(m_resetZoom, &QToolButton::clicked, this, &ChartScopeBar::resetZoomRequested);
    rebuild();
}

void ChartScopeBar::setQueues(const QStringList& queues)
{
    QStringList sorted = queues;
    sorted.sort();
    sorted.removeDuplicates();
    if (sorted == m_queues)
        return;
    m_queues = sorted;
    rebuild();
}

void ChartScopeBar::setTypes(const QStringList& types)
{
    QStringList sorted = types;
    sorted.sort();
    sorted.removeDuplicates();
    if (sorted == m_types)
        return;
    m_types = sorted;
    rebuild();
}

void ChartScopeBar::setScope(const ChartScope& scope)
{
    m_scope = scope;
    m_perQueue->setEnabled(scope.kind == ChartScope::Kind::AllQueues);
    rebuild();
}

bool ChartScopeBar::linePerQueue() const
{
    return m_perQueue->isChecked();
}

void ChartScopeBar::setLinePerQueue(bool on)
{
    const QSignalBlocker blocker(m_perQueue);
    m_perQueue->setChecked(on);
}

void ChartScopeBar::setZoomed(bool zoomed)
{
    m_resetZoom->setVisible(zoomed);
}

void ChartScopeBar::rebuild()
{
    const QSignalBlocker blocker(m_box);
    m_box->clear();
    auto add = [this](const ChartScope& scope, const QString& text) {
        m_box->addItem(text);
        const int i = m_box->count() - 1;
        m_box->setItemData(i, int(scope.kind), kindRole);
        m_box->setItemData(i, scope.name, nameRole);
        if (scope == m_scope)
            m_box->setCurrentIndex(i);
    };
    add(ChartScope::allQueues(), tr("All queues"));
    QStringList queues = m_queues;
    if (m_scope.kind == ChartScope::Kind::Queue && !queues.contains(m_scope.name))
        queues.append(m_scope.name);
    if (!queues.isEmpty())
        m_box->insertSeparator(m_box->count());
    for (const QString& queue : std::as_const(queues))
        add(ChartScope::queue(queue), tr("Queue: %1").arg(queue));
    QStringList types = m_types;
    if (m_scope.kind == ChartScope::Kind::TaskType && !types.contains(m_scope.name))
        types.append(m_scope.name);
    if (!types.isEmpty())
        m_box->insertSeparator(m_box->count());
    for (const QString& type : std::as_const(types))
        add(ChartScope::taskType(type), tr("Type: %1").arg(type));
}

} // namespace qd::ui
