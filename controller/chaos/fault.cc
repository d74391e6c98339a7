#include "controller/chaos/fault.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "controller/actions/action_support.h"

namespace rebound::controller::chaos {

int FaultAmount(const Fault& fault, int total) {
  if (total <= 0) return 0;
  int amount = 0;
  if (fault.count) {
    amount = *fault.count;
  } else if (fault.percent) {
    amount = (total * *fault.percent + 99) / 100;  // rounded up
  }
  return std::clamp(amount, 0, total);
}

std::vector<size_t> SeededSample(size_t n, size_t k, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 engine(seed);
  k = std::min(k, n);
  for (size_t i = 0; i < k; ++i) {
    // The draw's modulo bias is at most n / 2^64: irrelevant for a few hundred pods, and the
    // arithmetic is the same everywhere (std::uniform_int_distribution is not).
    const size_t j = i + static_cast<size_t>(engine() % (n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(k);
  return order;
}

bool PodReady(const nlohmann::json& pod) {
  return actions::IsReady(pod) && actions::JsonAt(pod, {"metadata", "deletionTimestamp"}).is_null();
}

std::string BlastRadiusRefusal(int ready, int taken, bool allow_total_outage) {
  if (ready <= 0) return "no ready pod to take";
  if (taken >= ready && !allow_total_outage) {
    return "would leave no ready pod of " + std::to_string(ready) + " (allowTotalOutage is false)";
  }
  return "";
}

}  // namespace rebound::controller::chaos
