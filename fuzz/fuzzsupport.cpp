#include "fuzzsupport.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>

namespace qd::fuzz {

void initialise(int* argc, char*** argv)
{
    // Kept for the whole run: created once, before the first input, on the fuzzing thread.
    static QCoreApplication* app = new QCoreApplication(*argc, *argv);
    (void)app;
    (void)registry();
}

const HandlerRegistry& registry()
{
    static const std::shared_ptr<HandlerRegistry> handlers = [] {
        auto r = HandlerRegistry::createDefault();
        registerBuiltinHandlers(*r);
        return r;
    }();
    return *handlers;
}

void fail(const char* what, const QString& detail)
{
    fail(what, detail.toUtf8());
}

void fail(const char* what, const QByteArray& detail)
{
    std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.left(500).constData());
    std::abort();
}

} // namespace qd::fuzz
