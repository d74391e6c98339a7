// Calibration across kinds of data: the gate's `above: 0.99` must select about the same
// false-alarm rate on any stationary series, whatever its scale, noise or seasonality. Each
// family below is generated (seeded) at three scales, scored from a fresh scorer, and the
// fraction of samples above 0.99 after a burn-in must lie in a band around 1 %. The measured
// rates are in docs/anomaly.md ("Calibration").
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "anomaly/scorer.h"
#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {
namespace families {

using test::FeedAll;
using test::FractionAbove;
using test::MakeScorer;
using test::Options;

constexpr int kSamples = 40000;
// Samples left out at the start: the range rule's first records (a record is rare only once
// the history is long) and the likelihood stage's first estimates.
constexpr int kBurnIn = 2000;
constexpr int kPeriod = 288;  // the seasonal family's period, given to the scorer as `season`
// The band asserted for the fraction above 0.99 (measured rates: 0.5 % to 1.1 %).
constexpr double kLowestRate = 0.003;
constexpr double kHighestRate = 0.03;

enum class Family { kGaussian, kStudentT3, kSeasonal, kPoisson, kRareSteps };

struct Case {
  Family family;
  double scale;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  static constexpr const char* kNames[] = {"Gaussian", "StudentT3", "Seasonal", "Poisson",
                                           "RareSteps"};
  const double scale = info.param.scale;
  const char* size = scale < 1 ? "Small" : scale > 1 ? "Large" : "Unit";
  return std::string(kNames[static_cast<int>(info.param.family)]) + size;
}

// kSamples values of the family, multiplied by `scale`.
std::vector<double> Generate(Family family, double scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gaussian(0, 1);
  std::student_t_distribution<double> heavy(3);
  std::poisson_distribution<int> counts(2);
  std::bernoulli_distribution step(1.0 / 3000);
  double flat = 5;
  std::vector<double> values(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    double v = 0;
    switch (family) {
      case Family::kGaussian:
        v = 100 + gaussian(rng);
        break;
      case Family::kStudentT3:
        v = 100 + heavy(rng);
        break;
      case Family::kSeasonal:
        v = 100 + 10 * std::sin(2 * std::numbers::pi * i / kPeriod) + gaussian(rng);
        break;
      case Family::kPoisson:
        v = counts(rng);
        break;
      case Family::kRareSteps:
        // Mostly constant: one of two levels, switching about once in 3000 samples.
        if (step(rng)) flat = flat == 5 ? 6 : 5;
        v = flat;
        break;
    }
    values[static_cast<std::size_t>(i)] = scale * v;
  }
  return values;
}

class ScorerFamilyCalibrationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ScorerFamilyCalibrationTest, FalseAlarmRateAboveTheGateIsInTheBand) {
  const Case& c = GetParam();
  for (unsigned seed : {1u, 2u}) {
    ScorerOptions options = Options(1, c.family == Family::kSeasonal ? kPeriod : 0);
    // Rare steps on a flat signal are calibrated only with re-anchoring, which is off by
    // default (docs/anomaly.md: 6 % to 8 % above 0.99 without it).
    options.tuning.reanchor = c.family == Family::kRareSteps ? 1 : 0;
    Scorer scorer = MakeScorer(options);
    const std::vector<double> scores = FeedAll(scorer, Generate(c.family, c.scale, seed));
    const double rate = FractionAbove(scores, kBurnIn, scores.size(), 0.99);
    EXPECT_GE(rate, kLowestRate) << "seed " << seed;
    EXPECT_LE(rate, kHighestRate) << "seed " << seed;
  }
}

// The same rate whatever the unit: the scorer works in units of each signal's own typical
// deviation, so scaling a series by 10^9 changes its rate by less than 0.1 point.
TEST(ScorerFamilyCalibrationTest, RateDoesNotDependOnTheScale) {
  for (Family family : {Family::kStudentT3, Family::kPoisson}) {
    Scorer small = MakeScorer(Options(1));
    Scorer large = MakeScorer(Options(1));
    const std::vector<double> a = FeedAll(small, Generate(family, 1e-3, 3));
    const std::vector<double> b = FeedAll(large, Generate(family, 1e6, 3));
    EXPECT_NEAR(FractionAbove(a, kBurnIn, a.size(), 0.99),
                FractionAbove(b, kBurnIn, b.size(), 0.99), 0.001)
        << "family " << static_cast<int>(family);
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Family family : {Family::kGaussian, Family::kStudentT3, Family::kSeasonal, Family::kPoisson,
                        Family::kRareSteps}) {
    for (double scale : {1e-3, 1.0, 1e6}) cases.push_back({family, scale});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Families, ScorerFamilyCalibrationTest, ::testing::ValuesIn(AllCases()),
                         CaseName);

}  // namespace families
}  // namespace
}  // namespace rebound::anomaly
