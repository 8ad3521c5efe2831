#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace qd {

// What went wrong, in a form callers can branch on (the CLI maps these to exit codes, the GUI to messages).
enum class ErrorCode {
    InvalidArgument, // bad input from the caller: malformed JSON, unknown type, bad queue name...
    NotFound, // no such task / queue
    WrongState, // the task is not in a state that allows the operation
    DatabaseLocked, // another program holds the write lock beyond the busy timeout
    DatabaseFull, // disk or max_page_count reached
    ReadOnly, // the database (or this session) is read-only
    Corrupt, // not a database, truncated, or damaged
    SchemaTooNew, // written by a newer QueueDesk
    Io, // cannot open / read / write a file
    Unavailable, // the database server cannot be reached, refused us, or the connection dropped
    Cancelled, // the caller cancelled a long operation
    Internal, // a bug or an unexpected SQL error
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    QString message;
};

// A value or an Error. Core never throws across its API and never shows UI: it returns these.
template <typename T> class Result {
public:
    Result(T value)
        : m_data(std::move(value))
    { }
    Result(Error error)
        : m_data(std::move(error))
    { }

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return std::get<T>(m_data); }
    T& value() & { return std::get<T>(m_data); }
    T&& value() && { return std::get<T>(std::move(m_data)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    const Error& error() const { return std::get<Error>(m_data); }
    QString errorString() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, Error> m_data;
};

// For operations that return nothing but may fail.
using Status = Result<std::monostate>;
inline Status success()
{
    return Status(std::monostate {});
}

} // namespace qd
