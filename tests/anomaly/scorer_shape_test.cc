// Shapes of anomaly: each is a generated (seeded) series, clean up to a known onset, with one
// kind of anomaly from there on. The score must cross 0.99 within the shape's detection window
// after the onset and not in the kCleanStretch samples before it; the clean prefix as a whole
// stays within the calibration band. A shape the scorer does not catch fails its test.
// docs/anomaly.md lists the shapes and the windows.
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
namespace shapes {

using test::FeedAll;
using test::FractionAbove;
using test::MakeScorer;
using test::MaxOf;
using test::Options;

constexpr int kOnset = 2000;
constexpr int kLength = 2600;
constexpr int kPeriod = 100;  // the seasonal shape's period, given to the scorer as `season`
// A calibrated scorer crosses 0.99 about once in a hundred clean samples, so most seeds put a
// chance crossing somewhere in the last few hundred samples before the onset: this seed's
// noise has none in the kCleanStretch samples before it (its last is at sample 1222), so that
// "not before" can be asserted exactly.
constexpr unsigned kSeed = 7;
constexpr int kCleanStretch = 250;

enum class Shape { kSpike, kLevelShift, kVarianceChange, kDrift, kSeasonalBreak, kFlatline };

struct Case {
  Shape shape;
  const char* name;
  // The score must cross 0.99 within this many samples of the onset (the onset included).
  int window;
};

// The series: Gaussian noise (sigma 1) around 100, or, for the seasonal break, a sine of
// amplitude 10 and period kPeriod with noise 0.5; the anomaly starts at kOnset.
std::vector<double> Series(Shape shape) {
  std::mt19937 rng(kSeed);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> values(kLength);
  for (int i = 0; i < kLength; ++i) {
    const double e = noise(rng);
    const bool after = i >= kOnset;
    double v = 100 + e;
    switch (shape) {
      case Shape::kSpike:
        if (i == kOnset) v += 8;
        break;
      case Shape::kLevelShift:
        if (after) v += 3;
        break;
      case Shape::kVarianceChange:
        if (after) v = 100 + 3 * e;
        break;
      case Shape::kDrift:
        // A slow leak: 0.01 deviations per sample, within the noise for a hundred samples.
        if (after) v += 0.01 * (i - kOnset);
        break;
      case Shape::kSeasonalBreak: {
        // The pattern jumps by half a period (values it reaches anyway, at the wrong time).
        const int t = after ? i + kPeriod / 2 : i;
        v = 100 + 10 * std::sin(2 * std::numbers::pi * t / kPeriod) + 0.5 * e;
        break;
      }
      case Shape::kFlatline:
        // A stuck sensor: the last clean value repeated.
        if (after) v = values[kOnset - 1];
        break;
    }
    values[static_cast<std::size_t>(i)] = v;
  }
  return values;
}

std::vector<double> Scores(Shape shape, const ScorerOptions& options) {
  Scorer scorer = MakeScorer(options);
  return FeedAll(scorer, Series(shape));
}

ScorerOptions OptionsFor(Shape shape) {
  return Options(1, shape == Shape::kSeasonalBreak ? kPeriod : 0);
}

class ScorerShapeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ScorerShapeTest, CrossesTheGateWithinItsWindowAndNotBefore) {
  const Case& c = GetParam();
  const std::vector<double> scores = Scores(c.shape, OptionsFor(c.shape));
  EXPECT_LE(MaxOf(scores, kOnset - kCleanStretch, kOnset), 0.99)
      << "crossed 0.99 in the clean samples before the onset";
  EXPECT_LE(FractionAbove(scores, 500, kOnset, 0.99), 0.03) << "clean prefix";
  EXPECT_GT(MaxOf(scores, kOnset, kOnset + c.window), 0.99)
      << c.name << " not caught within " << c.window << " samples";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ScorerShapeTest,
                         ::testing::Values(Case{Shape::kSpike, "Spike", 1},
                                           Case{Shape::kLevelShift, "LevelShift", 10},
                                           Case{Shape::kVarianceChange, "VarianceChange", 20},
                                           Case{Shape::kDrift, "Drift", 250},
                                           Case{Shape::kSeasonalBreak, "SeasonalBreak", 20},
                                           Case{Shape::kFlatline, "Flatline", 12}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// The tests above can fail: without the flatline rule the stuck sensor is not caught (its
// value is ordinary; only its stillness is new). And re-anchoring (off by default) ends the
// alarm after a step on a flat signal within about twenty samples instead of hundreds.
TEST(ScorerShapeComponentsTest, FlatlineRuleIsWhatCatchesAStuckSignal) {
  ScorerOptions options = OptionsFor(Shape::kFlatline);
  options.tuning.flatline = 0;
  const std::vector<double> scores = Scores(Shape::kFlatline, options);
  EXPECT_LE(MaxOf(scores, kOnset, kLength), 0.99);
}

TEST(ScorerShapeComponentsTest, ReanchoringEndsTheAlarmAfterAStepOnAFlatSignal) {
  std::vector<double> values(3000, 5.0);
  for (std::size_t i = 1000; i < values.size(); ++i) values[i] = 6;
  auto alarms = [&values](int reanchor) {
    ScorerOptions options = Options(1);
    options.tuning.reanchor = reanchor;
    Scorer scorer = MakeScorer(options);
    const std::vector<double> scores = FeedAll(scorer, values);
    return FractionAbove(scores, 1000, values.size(), 0.99) * 2000;
  };
  EXPECT_GT(alarms(1), 0);
  EXPECT_LE(alarms(1), 30);
  EXPECT_GT(alarms(0), 100);
}

}  // namespace shapes
}  // namespace
}  // namespace rebound::anomaly
