// Scorer::Update throughput and per-instance memory (docs/anomaly.md, "Speed and memory"). The
// controller keeps one scorer per workload and signal set and updates each at every step, so
// samples per second bounds how many workloads one core can score, and MemoryBytes how many
// fit in memory.
//
// The input is generated before timing starts (Gaussian noise on a slow wave, one sample in 50
// missing in one signal) and replayed in a loop; the scorer is warmed on it first, so the
// figures are for the steady state, not the warm-up.
//
// Run by hand (not a ctest test): build/tests/anomaly_scorer_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "anomaly/scorer.h"

namespace rebound::anomaly {
namespace {

constexpr int kReplayed = 4096;  // samples replayed in a loop

std::vector<double> GeneratedSamples(int k) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> values(static_cast<std::size_t>(kReplayed * k));
  for (int i = 0; i < kReplayed; ++i) {
    for (int j = 0; j < k; ++j) {
      values[static_cast<std::size_t>(i * k + j)] =
          i % 50 == 7 && j == 0 ? std::numeric_limits<double>::quiet_NaN()
                                : 100 * (j + 1) + 10 * std::sin(i / 40.0) + noise(rng);
    }
  }
  return values;
}

Scorer NewScorer(int k, int season) {
  ScorerOptions options;
  options.signals = k;
  options.season = season;
  auto scorer = Scorer::Create(options);
  if (!scorer.ok()) {
    std::fprintf(stderr, "%s\n", scorer.status().ToString().c_str());
    std::abort();
  }
  return std::move(scorer).value();
}

// Args: k (signals), season (samples per period, 0 for none).
void BM_Update(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int season = static_cast<int>(state.range(1));
  const std::vector<double> values = GeneratedSamples(k);
  const auto sample = [&values, k](int i) {
    return std::span<const double>(values.data() + static_cast<std::ptrdiff_t>(i) * k,
                                   static_cast<std::size_t>(k));
  };
  Scorer scorer = NewScorer(k, season);
  for (int i = 0; i < kReplayed; ++i) scorer.Update(sample(i));

  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(scorer.Update(sample(i)));
    if (++i == kReplayed) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["memory_bytes"] = static_cast<double>(scorer.MemoryBytes());
  state.counters["serialized_bytes"] = static_cast<double>(scorer.Serialize().size());
  if (!(scorer.score() >= 0 && scorer.score() <= 1)) state.SkipWithError("score out of [0, 1]");
}
BENCHMARK(BM_Update)->ArgNames({"k", "season"})->ArgsProduct({{1, 4, 16}, {0, 288}});

}  // namespace
}  // namespace rebound::anomaly

BENCHMARK_MAIN();
