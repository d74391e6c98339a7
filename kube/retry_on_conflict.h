// RetryOnConflict: the read-modify-write loop for optimistic concurrency.
//
// A write that carries the resourceVersion it read fails with Conflict when someone else wrote
// in between; the remedy is to re-read, re-apply the change and write again. `fn` must do all
// three each time it is called. Header-only and reentrant.
#pragma once

#include <type_traits>

#include "common/status.h"

namespace rebound::kube {
namespace internal {

inline bool IsConflict(const common::Status& status) {
  return status.code() == common::StatusCode::kConflict;
}
template <typename T>
bool IsConflict(const common::Result<T>& result) {
  return IsConflict(result.status());
}

}  // namespace internal

// Calls `fn` (returning Status or Result<T>) until it returns anything but Conflict, at most
// `max_attempts` times in all, without waiting in between (the re-read is what resolves a
// conflict). Returns fn's last result: success, another error, or Conflict when every attempt
// conflicted.
template <typename F>
std::invoke_result_t<F&> RetryOnConflict(int max_attempts, F&& fn) {
  auto result = fn();
  for (int attempt = 1; attempt < max_attempts && internal::IsConflict(result); ++attempt) {
    result = fn();
  }
  return result;
}

}  // namespace rebound::kube
