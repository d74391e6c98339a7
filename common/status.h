// Status and Result<T>: the one error type of Rebound.
//
// Every expected failure (bad input, I/O, a remote API answering an error) is returned as a
// Status; exceptions from third-party libraries are caught at the adapter and turned into one.
// Both types are values: copyable, movable, and safe to use from any thread as long as a single
// instance is not mutated concurrently.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace rebound::common {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying the same input cannot help
  kNotFound,
  kAlreadyExists,
  kConflict,            // a concurrent change won; re-read and retry
  kUnauthenticated,
  kPermissionDenied,
  kResourceExhausted,   // a queue or quota is full; retry later
  kFailedPrecondition,  // the system is not in a state where the operation can run
  kUnavailable,         // a dependency cannot be reached; retry later
  kDeadlineExceeded,
  kInternal,
  kCancelled,           // the caller asked to stop (shutdown) before the operation finished
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // A copy whose message is "context: message"; an OK status stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}
inline Status ResourceExhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}
inline Status DeadlineExceeded(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
}
inline Status Cancelled(std::string message) {
  return Status(StatusCode::kCancelled, std::move(message));
}

// A value of T or the Status explaining why there is none. Accessing value() of a failed
// Result is a programming error (asserted in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace rebound::common

// Returns early from the calling function when `expr` (a Status) is not OK.
#define REBOUND_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::rebound::common::Status _st = (expr);    \
    if (!_st.ok()) return _st;                 \
  } while (false)
