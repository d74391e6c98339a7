// Scores mean the same everywhere: on any stationary series, whatever its scale, noise or
// seasonality, a gate at `above: 0.99` fires on about one sample in a hundred. Each generated
// family (seeded, so every run sees the same series) is scored for 60,000 samples and the
// fraction above 0.99 after a burn-in is bounded; docs/anomaly.md states the measured rates.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "anomaly/scorer.h"
#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {

using test::FeedAll;
using test::FractionAbove;
using test::MakeScorer;
using test::Options;

constexpr int kSamples = 60000;
// Long enough for the expected value, the typical deviation and the history of the surprise to
// settle, and for the range rule's first records (a record at sample t has probability 1/t).
constexpr int kBurnIn = 5000;

struct Family {
  std::string name;
  int season;  // the scorer's season option, as a user would configure it for this signal
  std::function<double(std::mt19937_64&, int)> next;
  // Bounds on the fraction of samples above 0.99 after the burn-in.
  double min_rate = 0.004, max_rate = 0.02;
};

std::vector<Family> Families() {
  return {
      {"gaussian",
       0,
       [](std::mt19937_64& rng, int) { return std::normal_distribution<double>(1000, 50)(rng); }},
      {"heavy_tailed",
       0,
       [](std::mt19937_64& rng, int) {
         return 50 + 2 * std::student_t_distribution<double>(3)(rng);
       }},
      {"seasonal",
       288,
       [](std::mt19937_64& rng, int t) {
         return 100 + 30 * std::sin(2 * std::numbers::pi * t / 288) +
                std::normal_distribution<double>(0, 3)(rng);
       }},
      {"seasonal_unconfigured",
       0,
       [](std::mt19937_64& rng, int t) {
         return 100 + 30 * std::sin(2 * std::numbers::pi * t / 288) +
                std::normal_distribution<double>(0, 3)(rng);
       }},
      {"integer_counts",
       0,
       [](std::mt19937_64& rng, int) {
         return static_cast<double>(std::poisson_distribution<int>(2)(rng));
       }},
      {"rare_steps",
       0,
       // Constant, switching between two levels about once in 3000 samples: the steps are
       // the only events, so only the upper bound applies.
       [level = 5.0](std::mt19937_64& rng, int) mutable {
         if (std::uniform_real_distribution<double>(0, 1)(rng) < 1.0 / 3000)
           level = level == 5 ? 6 : 5;
         return level;
       },
       0, 0.02},
  };
}

std::vector<double> Generate(const Family& family, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(kSamples);
  for (int t = 0; t < kSamples; ++t) values[static_cast<std::size_t>(t)] = family.next(rng, t);
  return values;
}

class ScorerFalseAlarmTest : public ::testing::TestWithParam<int> {};

TEST_P(ScorerFalseAlarmTest, GateAt099FiresOnAboutOneSampleInAHundred) {
  const Family family = Families()[static_cast<std::size_t>(GetParam())];
  const std::vector<double> values = Generate(family, 1000 + static_cast<unsigned>(GetParam()));
  Scorer scorer = MakeScorer(Options(1, family.season));
  const std::vector<double> scores = FeedAll(scorer, values);
  const double rate = FractionAbove(scores, kBurnIn, kSamples, 0.99);
  const double rate9 = FractionAbove(scores, kBurnIn, kSamples, 0.9);
  std::printf("false alarms %-22s above 0.99: %.4f  above 0.9: %.4f\n", family.name.c_str(), rate,
              rate9);
  EXPECT_GE(rate, family.min_rate) << family.name;
  EXPECT_LE(rate, family.max_rate) << family.name;
}

INSTANTIATE_TEST_SUITE_P(Families, ScorerFalseAlarmTest, ::testing::Range(0, 6),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return Families()[static_cast<std::size_t>(info.param)].name;
                         });

}  // namespace
}  // namespace rebound::anomaly
