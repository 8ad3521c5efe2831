#include "oneshotbench.h"

#include "samples.h"

#include <QProcess>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace qd::bench {

double medianProcessMs(const QString& program, const QStringList& arguments, int runs)
{
    using Clock = std::chrono::steady_clock;
    Samples ms;
    for (int i = 0; i < runs; ++i) {
        QProcess process;
        process.setStandardOutputFile(QProcess::nullDevice());
        const auto start = Clock::now();
        process.start(program, arguments);
        const bool finished = process.waitForFinished(60'000);
        const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!finished || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            std::fprintf(stderr, "qd_bench: %s %s failed: %s\n", qPrintable(program), qPrintable(arguments.join(u' ')),
                qPrintable(QString::fromLocal8Bit(process.readAllStandardError())));
            std::exit(2);
        }
        ms.add(elapsed);
    }
    return ms.median();
}

} // namespace qd::bench
