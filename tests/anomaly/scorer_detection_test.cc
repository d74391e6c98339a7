// Detection quality on synthetic series with known anomalies: what should score high does,
// ordinary data does not, and scores are calibrated on data with no anomaly at all. Noise comes
// from seeded generators, so every run sees the same series; the assertions are orderings and
// loose bounds that a correct scorer meets with a wide margin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <span>
#include <vector>

#include "anomaly/scorer.h"
#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {

using test::Feed;
using test::FeedAll;
using test::FractionAbove;
using test::MakeScorer;
using test::MaxOf;
using test::Median;
using test::Options;

// `n` values of Gaussian noise around `mean`.
std::vector<double> GaussianSeries(unsigned seed, int n, double mean = 0, double sigma = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(mean, sigma);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (double& value : values) value = noise(rng);
  return values;
}

TEST(ScorerDetectionTest, SpikeScoresHighAndNormalDataLow) {
  std::vector<double> values = GaussianSeries(21, 1500, 100, 5);
  values[1200] = 100 + 8 * 5;
  Scorer scorer = MakeScorer(Options(1));
  const std::vector<double> scores = FeedAll(scorer, values);
  EXPECT_GT(scores[1200], 0.99);
  EXPECT_LT(Median(scores, 100, 1200), 0.9);
  EXPECT_LT(Median(scores, 1201, 1500), 0.9);
  // The spike is rarer than anything in the normal data around it.
  EXPECT_GT(scores[1200], MaxOf(scores, 1100, 1200));
}

TEST(ScorerDetectionTest, LevelShiftScoresHighThenIsLearnt) {
  std::vector<double> values = GaussianSeries(22, 2000);
  for (std::size_t i = 1000; i < values.size(); ++i) values[i] += 10;
  Scorer scorer = MakeScorer(Options(1));
  const std::vector<double> scores = FeedAll(scorer, values);
  EXPECT_GT(scores[1000], 0.99);
  EXPECT_GT(MaxOf(scores, 1000, 1020), 0.99);
  // Not alarming forever: a few hundred samples later the new level is ordinary.
  EXPECT_LT(Median(scores, 1400, 2000), 0.9);
  EXPECT_LT(FractionAbove(scores, 1400, 2000, 0.99), 0.05);
}

TEST(ScorerDetectionTest, SlowLeakScoresHigh) {
  std::vector<double> values = GaussianSeries(23, 1300);
  // After 1000 stable samples, a leak of 0.02 deviations per sample: within the noise for
  // the first hundred samples.
  for (std::size_t i = 1000; i < values.size(); ++i) values[i] += 0.02 * (i - 1000);
  Scorer scorer = MakeScorer(Options(1));
  const std::vector<double> scores = FeedAll(scorer, values);
  EXPECT_LT(Median(scores, 900, 1000), 0.9);
  EXPECT_GT(MaxOf(scores, 1000, 1150), 0.99);

  // The likelihood stage alone (range rule off) sees the sustained drift too.
  ScorerOptions no_range = Options(1);
  no_range.tuning.range_margin = -1;
  Scorer drift = MakeScorer(no_range);
  const std::vector<double> drift_scores = FeedAll(drift, values);
  EXPECT_GT(MaxOf(drift_scores, 1000, 1150), 0.95);
  EXPECT_GT(MaxOf(drift_scores, 1000, 1150), MaxOf(drift_scores, 600, 1000));
}

// Learning sees residuals clipped: one enormous outlier neither drags the expected value nor
// inflates the typical deviation, so a modest sustained shift soon after still scores high (it
// stays within the range the outlier widened, so only the distance can find it).
TEST(ScorerDetectionTest, OneOutlierDoesNotDesensitise) {
  std::vector<double> values = GaussianSeries(26, 1300);
  values[1000] = 1000;
  for (std::size_t i = 1100; i < 1110; ++i) values[i] += 5;
  Scorer scorer = MakeScorer(Options(1));
  const std::vector<double> scores = FeedAll(scorer, values);
  EXPECT_GT(scores[1000], 0.99);
  EXPECT_LT(Median(scores, 1010, 1100), 0.9);
  EXPECT_GT(MaxOf(scores, 1100, 1110), 0.99);
}

// A larger deviation scores higher, when neither is beyond the signal's history: early ±15
// excursions keep the range rule (which would give both a 1) out of the comparison.
TEST(ScorerDetectionTest, LargerDeviationWithinRangeScoresHigher) {
  std::vector<double> history = GaussianSeries(24, 2000);
  history[100] = 15;
  history[101] = -15;
  Scorer ordinary = MakeScorer(Options(1));
  FeedAll(ordinary, history);
  Scorer three = ordinary;
  Scorer ten = ordinary;
  const double ordinary_score = Feed(ordinary, 0.0);
  const double three_score = Feed(three, 3.0);
  const double ten_score = Feed(ten, 10.0);
  EXPECT_LT(ten_score, 0.99);  // the range rule (above 0.999) did not decide it
  EXPECT_GT(three_score, ordinary_score);
  EXPECT_GT(ten_score, three_score);

  // The same ordering holds for sustained deviations, where the scores are far apart.
  double three_max = 0, ten_max = 0;
  for (int i = 0; i < 5; ++i) {
    three_max = std::max(three_max, Feed(three, 3.0));
    ten_max = std::max(ten_max, Feed(ten, 10.0));
  }
  EXPECT_GT(ten_max, three_max);
}

// Beyond the range, the range rule scores above 0.999, and the further beyond, the higher:
// breaks are still ordered among themselves.
TEST(ScorerDetectionTest, FurtherBeyondTheRangeScoresHigher) {
  Scorer scorer = MakeScorer(Options(1));
  FeedAll(scorer, GaussianSeries(27, 2000));
  Scorer five = scorer;
  Scorer fifty = scorer;
  const double five_score = Feed(five, 5.0);
  const double fifty_score = Feed(fifty, 50.0);
  EXPECT_GT(five_score, 0.999);
  EXPECT_GT(fifty_score, five_score);
  EXPECT_LE(fifty_score, 1);
}

// A record beaten by a hair is weaker evidence on a spiky series, whose range is wide, than on
// a quiet one: the distance beyond the range counts in typical deviations plus a fraction of the
// range's width (range_width).
TEST(ScorerDetectionTest, RecordBeatenByAHairCountsLessOnASpikySeries) {
  const std::vector<double> quiet = GaussianSeries(29, 2000);
  std::vector<double> spiky = quiet;
  for (std::size_t i = 100; i < spiky.size(); i += 100) spiky[i] += 40;
  auto hair_above_record = [](const std::vector<double>& values, double width) {
    ScorerOptions options = Options(1);
    options.tuning.range_width = width;
    Scorer scorer = MakeScorer(options);
    FeedAll(scorer, values);
    return Feed(scorer, *std::max_element(values.begin(), values.end()) + 1);
  };
  const double quiet_score = hair_above_record(quiet, 0.2);
  const double spiky_score = hair_above_record(spiky, 0.2);
  EXPECT_GT(spiky_score, 0.999);  // still a break
  EXPECT_GT(quiet_score, spiky_score);
  // Measured in typical deviations alone, the spiky series' record counts as much as the
  // quiet one's (its clipped learning keeps the spikes out of the typical deviation).
  EXPECT_GT(hair_above_record(spiky, 0), spiky_score);
}

class ScorerCalibrationTest : public ::testing::TestWithParam<int> {};

// With no anomaly at all, scores above 0.99 are rare, 0.9 is not crossed much more often than
// one sample in ten, and no score leaves [0, 1].
TEST_P(ScorerCalibrationTest, StationaryGaussianRarelyScoresHigh) {
  const int k = GetParam();
  constexpr int kSamples = 50000;
  std::mt19937 rng(25);
  std::normal_distribution<double> noise(0, 1);
  Scorer scorer = MakeScorer(Options(k));
  std::vector<double> sample(static_cast<std::size_t>(k));
  std::vector<double> scores;
  scores.reserve(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    for (int j = 0; j < k; ++j) sample[static_cast<std::size_t>(j)] = 10 * j + noise(rng);
    const double score = scorer.Update(sample);
    ASSERT_GE(score, 0) << "sample " << i;
    ASSERT_LE(score, 1) << "sample " << i;
    scores.push_back(score);
  }
  // After a burn-in of a few hundred samples (the first records of the range rule).
  EXPECT_LT(FractionAbove(scores, 500, kSamples, 0.99), 0.05);
  EXPECT_LT(FractionAbove(scores, 500, kSamples, 0.9), 0.2);
  const double median = Median(scores, 500, kSamples);
  EXPECT_GT(median, 0.2);
  EXPECT_LT(median, 0.8);
}

INSTANTIATE_TEST_SUITE_P(Signals, ScorerCalibrationTest, ::testing::Values(1, 4, 16));

}  // namespace
}  // namespace rebound::anomaly
