// Seasonality: with `season` set to a day of 5-minute samples (288), a repeating daily shape
// is learnt, so that its regular peaks stop scoring as anomalies while a departure from the
// shape (at values the shape itself reaches at other times of day) still scores high.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <vector>

#include "anomaly/scorer.h"
#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {

using test::FractionAbove;
using test::MakeScorer;
using test::MaxOf;
using test::Median;
using test::Options;
using test::Quantile;

constexpr int kDay = 288;

enum class Shape { kSine, kSquare };

// The daily shape at sample t, ranging over [-10, 10] (sine) or [0, 10] (square).
double DailyShape(Shape shape, int t) {
  const double phase = static_cast<double>(t % kDay) / kDay;
  return shape == Shape::kSine ? 10 * std::sin(2 * std::numbers::pi * phase)
                               : (phase < 0.5 ? 10.0 : 0.0);
}

// Whether sample t is one of the day's regular peaks: around the sine's maximum, or the first
// samples of the square wave's high half (just after the jump, where a model without a season
// is most surprised).
bool IsRegularPeak(Shape shape, int t) {
  const int at = t % kDay;
  return shape == Shape::kSine ? std::abs(at - kDay / 4) <= 10 : at < 20;
}

// The shape with a little noise (2% of the amplitude), `days` days long.
std::vector<double> DailySeries(Shape shape, int days, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 0.2);
  std::vector<double> values;
  for (int t = 0; t < days * kDay; ++t) values.push_back(DailyShape(shape, t) + noise(rng));
  return values;
}

// The scores of the regular peaks among scores[from_day * kDay, end).
std::vector<double> PeakScores(Shape shape, const std::vector<double>& scores, int from_day) {
  std::vector<double> peaks;
  for (int t = from_day * kDay; t < static_cast<int>(scores.size()); ++t) {
    if (IsRegularPeak(shape, t)) peaks.push_back(scores[static_cast<std::size_t>(t)]);
  }
  return peaks;
}

class ScorerSeasonTest : public ::testing::TestWithParam<Shape> {};

TEST_P(ScorerSeasonTest, RegularPeaksScoreLowAfterTwoPeriods) {
  const Shape shape = GetParam();
  Scorer scorer = MakeScorer(Options(1, kDay));
  const std::vector<double> scores = test::FeedAll(scorer, DailySeries(shape, 6, 31));
  const std::vector<double> peaks = PeakScores(shape, scores, 2);
  EXPECT_LT(Median(peaks, 0, peaks.size()), 0.9);
  // A noisy peak now and then is a new maximum, which the range rule scores 1.
  EXPECT_LT(FractionAbove(peaks, 0, peaks.size(), 0.99), 0.1);
}

// A departure from the daily shape, lasting ten samples at values the shape reaches every day
// (so the range rule is out of it), scores higher than the regular peaks do.
TEST_P(ScorerSeasonTest, OffPatternEpisodeScoresAboveRegularPeaks) {
  const Shape shape = GetParam();
  constexpr int kAt = 5 * kDay + 200;  // the sine's trough, the square wave's low half
  std::vector<double> values = DailySeries(shape, 6, 32);
  for (int t = kAt; t < kAt + 10; ++t) values[static_cast<std::size_t>(t)] = 6;
  Scorer scorer = MakeScorer(Options(1, kDay));
  const std::vector<double> scores = test::FeedAll(scorer, values);
  const std::vector<double> peaks =
      PeakScores(shape, std::vector<double>(scores.begin(), scores.begin() + kAt), 2);
  const double episode = MaxOf(scores, kAt, kAt + 10);
  EXPECT_GT(episode, 0.9);
  EXPECT_GT(episode, Quantile(peaks, 0, peaks.size(), 0.9));
}

INSTANTIATE_TEST_SUITE_P(Shapes, ScorerSeasonTest, ::testing::Values(Shape::kSine, Shape::kSquare),
                         [](const ::testing::TestParamInfo<Shape>& info) {
                           return info.param == Shape::kSine ? "Sine" : "Square";
                         });

// What the season buys: a square wave's daily jump is alarming to a scorer without a season
// and ordinary to one with it.
TEST(ScorerSeasonTest, SeasonLowersTheScoresOfRegularPeaks) {
  const std::vector<double> values = DailySeries(Shape::kSquare, 6, 33);
  Scorer daily = MakeScorer(Options(1, kDay));
  Scorer flat = MakeScorer(Options(1, 0));
  const std::vector<double> daily_peaks =
      PeakScores(Shape::kSquare, test::FeedAll(daily, values), 2);
  const std::vector<double> flat_peaks = PeakScores(Shape::kSquare, test::FeedAll(flat, values), 2);
  EXPECT_LT(Median(daily_peaks, 0, daily_peaks.size()), Median(flat_peaks, 0, flat_peaks.size()));
}

}  // namespace
}  // namespace rebound::anomaly
