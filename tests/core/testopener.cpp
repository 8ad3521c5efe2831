// A process that opens a database, enqueues one task and exits, for the tests of many processes opening one
// database at once:
//   qd_test_opener DB
// Exit 0 when the task was enqueued; otherwise the error on stderr and exit 4.
#include "core/queueengine.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 2) {
        QTextStream(stderr) << "usage: qd_test_opener DB\n";
        return 2;
    }
    qd::EngineOptions options;
    options.store.path = args.at(1);
    options.workerCount = 0;
    auto engine = qd::QueueEngine::open(options);
    if (!engine) {
        QTextStream(stderr) << engine.errorString() << '\n';
        return 4;
    }
    qd::NewTask task;
    task.type = QStringLiteral("noop");
    if (auto id = engine.value()->enqueue(task); !id) {
        QTextStream(stderr) << id.errorString() << '\n';
        return 4;
    }
    return 0;
}
