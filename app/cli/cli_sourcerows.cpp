#include "cli_sourcerows.h"

#include "cli_context.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/taskstore.h"

#include <QJsonObject>

#include <algorithm>

namespace qd::cli {

int changeSourceRow(
    CliContext& context, const QString& kind, const QString& label, const QString& action, const QString& name)
{
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    const Status status = engine.value()->runInWriter([&](TaskStore& store) -> Status {
        const Result<QList<SourceRecord>> rows = store.sources(kind);
        if (!rows.ok())
            return rows.error();
        if (std::none_of(rows->begin(), rows->end(), [&](const SourceRecord& r) { return r.name == name; }))
            return Error {ErrorCode::NotFound, QStringLiteral("There is no %1 \"%2\".").arg(label.toLower(), name)};
        return action == u"remove" ? store.removeSource(name) : store.setSourcePaused(name, action == u"pause");
    });
    if (!status.ok())
        return context.fail(status.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("name"), name}, {QStringLiteral("action"), action}});
    else
        context.out() << label << " \"" << name << "\" "
                      << (action == u"remove"         ? "removed"
                                 : action == u"pause" ? "paused"
                                                      : "resumed")
                      << "." << Qt::endl;
    return ExitOk;
}

} // namespace qd::cli
