#pragma once

// Shared by the fuzz targets: a QCoreApplication (some Qt code wants one), the registry with every built-in
// handler, and a way to report a broken invariant that libFuzzer records as a crash with its input.
#include "core/handlerregistry.h"

#include <QByteArray>
#include <QString>

namespace qd::fuzz {

void initialise(int* argc, char*** argv);
const HandlerRegistry& registry();
[[noreturn]] void fail(const char* what, const QString& detail);
[[noreturn]] void fail(const char* what, const QByteArray& detail);

} // namespace qd::fuzz
