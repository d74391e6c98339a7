// Deterministic values for anomaly-scorer signals in unit tests: a workload's memory that is
// flat (with noise) and then, optionally, leaks. Pure functions.
#pragma once

#include <random>
#include <vector>

namespace rebound::testing {

// `flat` values around 100 (noise within ±1), then `leak` values growing by 5 a step.
inline std::vector<double> MemoryValues(int flat, int leak) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> noise(-1, 1);
  std::vector<double> values;
  for (int i = 0; i < flat; ++i) values.push_back(100 + noise(rng));
  for (int i = 1; i <= leak; ++i) values.push_back(100 + 5 * i + noise(rng));
  return values;
}

}  // namespace rebound::testing
