# Warnings and Qt string-safety defines live on an INTERFACE target that every project target links,
# so third-party code and Qt's own headers are not compiled with our flags by accident.
add_library(queuedesk_options INTERFACE)
target_compile_options(queuedesk_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wformat=2 -Wimplicit-fallthrough -Werror
    # GCC 12 reports std::variant members (our Result<T>) as maybe-uninitialized at -O2: a known false
    # positive (GCC bug 105562 and friends). It stays a warning, not an error.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-error=maybe-uninitialized>)
target_compile_definitions(queuedesk_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_NO_URL_CAST_FROM_STRING
    QT_STRICT_ITERATORS)
