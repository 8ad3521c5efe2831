// Replays inputs through a fuzz target's LLVMFuzzerTestOneInput in the normal build (no libFuzzer): every file
// under the given directories, so the crashes found once (fuzz/regressions/) and the seed corpora stay fixed.
// Usage: qd_fuzz_replay_TARGET DIR...   Exit 0 when every input ran; a broken invariant aborts.
#include <QByteArray>
#include <QDirIterator>
#include <QFile>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

int main(int argc, char* argv[])
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int replayed = 0;
    for (int i = 1; i < argc; ++i) {
        QDirIterator it(QString::fromLocal8Bit(argv[i]), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (path.endsWith(QLatin1String("README.md")))
                continue;
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
                return 1;
            }
            // A copy of exactly the input's size on the heap, as libFuzzer passes it, so ASan sees over-reads.
            const QByteArray bytes = file.readAll();
            std::unique_ptr<uint8_t[]> copy(new uint8_t[std::size_t(bytes.size()) + (bytes.isEmpty() ? 1 : 0)]);
            std::memcpy(copy.get(), bytes.constData(), std::size_t(bytes.size()));
            LLVMFuzzerTestOneInput(copy.get(), std::size_t(bytes.size()));
            ++replayed;
        }
    }
    std::printf("replayed %d inputs\n", replayed);
    return replayed > 0 ? 0 : 1;
}
