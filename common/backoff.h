// Retry timing for calls to other services (the Kubernetes API, Prometheus, Slack): the
// policy, exponential backoff with jitter, and the Retry-After header.
//
// The jitter comes from a RandomSource so that tests can fix it. RetryPolicy and the functions
// are plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/random.h"

namespace rebound::common {

struct RetryPolicy {
  int max_attempts = 5;  // the first attempt included; 1 disables retries
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{8000};
  // A Retry-After longer than this is not waited for: the error is returned at once.
  std::chrono::milliseconds max_retry_after{30000};
};

// The wait before retry number `retry` (1 for the first retry): the exponential step
// initial_backoff * 2^(retry-1), capped at max_backoff, of which the upper half is jitter —
// the result lies in [step/2, step).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, RandomSource& random);

// Retry-After in its delta-seconds form ("3"); nullopt when absent, negative, or an HTTP date
// (the API server never sends one; the caller then backs off as usual).
std::optional<std::chrono::seconds> ParseRetryAfter(std::optional<std::string_view> header);

}  // namespace rebound::common
