#include "uirunner.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>

namespace qd::bench {

QJsonObject runUiBench(const QStringList& arguments, int timeoutS)
{
    const QString program = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("qd_bench_ui"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QTemporaryDir runtime; // silences Qt's "XDG_RUNTIME_DIR not set" without touching the user's
    if (!env.contains(QStringLiteral("XDG_RUNTIME_DIR")) && runtime.isValid())
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    QProcess child;
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(program, arguments);
    if (!child.waitForFinished(timeoutS * 1000) || child.exitStatus() != QProcess::NormalExit
        || child.exitCode() != 0) {
        std::fprintf(stderr, "qd_bench: %s %s failed (exit code %d)\n", qPrintable(program),
            qPrintable(arguments.join(QLatin1Char(' '))), child.exitCode());
        child.kill();
        std::exit(2);
    }
    const QList<QByteArray> lines = child.readAllStandardOutput().trimmed().split('\n');
    const QJsonDocument doc = QJsonDocument::fromJson(lines.value(lines.size() - 1));
    if (!doc.isObject()) {
        std::fprintf(stderr, "qd_bench: qd_bench_ui printed no result\n");
        std::exit(2);
    }
    return doc.object();
}

} // namespace qd::bench
