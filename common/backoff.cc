#include "common/backoff.h"

#include <algorithm>
#include <charconv>

namespace rebound::common {

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, RandomSource& random) {
  int64_t step = policy.initial_backoff.count();
  for (int i = 1; i < retry && step < policy.max_backoff.count(); ++i) step *= 2;
  step = std::min(step, policy.max_backoff.count());
  double u = std::clamp(random.Uniform(), 0.0, 1.0);
  return std::chrono::milliseconds(step / 2 +
                                   static_cast<int64_t>(u * static_cast<double>(step - step / 2)));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::optional<std::string_view> header) {
  if (!header || header->empty()) return std::nullopt;
  std::string_view text = *header;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace rebound::common
