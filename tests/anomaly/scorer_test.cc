// The scorer's contract apart from detection quality: which options are accepted, the warm-up,
// constant and missing data, the shape of the contributions, and the memory bound. Detection
// is in scorer_detection_test.cc, seasonality in scorer_season_test.cc, persistence in
// scorer_serialize_test.cc.
#include "anomaly/scorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {

using test::Feed;
using test::MakeScorer;
using test::Options;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void ExpectRejected(const ScorerOptions& options, const char* what) {
  auto scorer = Scorer::Create(options);
  ASSERT_FALSE(scorer.ok()) << what;
  EXPECT_EQ(scorer.status().code(), common::StatusCode::kInvalidArgument) << what;
}

TEST(ScorerCreateTest, RejectsSignalsOutOfRange) {
  ExpectRejected(Options(0), "signals 0");
  ExpectRejected(Options(kMaxSignals + 1), "signals 17");
  ExpectRejected(Options(-1), "signals -1");
}

TEST(ScorerCreateTest, RejectsShortWarmupAndNegativeSeason) {
  ScorerOptions warmup = Options(1);
  warmup.warmup = 1;
  ExpectRejected(warmup, "warmup 1");
  ExpectRejected(Options(1, -1), "season -1");
}

TEST(ScorerCreateTest, RejectsBadTuning) {
  const auto with = [](auto set) {
    ScorerOptions options;
    set(options.tuning);
    return options;
  };
  using Tuning = ScorerOptions::Tuning;
  ExpectRejected(with([](Tuning& t) { t.level_halflife = 0; }), "level_halflife 0");
  ExpectRejected(with([](Tuning& t) { t.scale_halflife = -1; }), "scale_halflife -1");
  ExpectRejected(with([](Tuning& t) { t.covariance_halflife = kNaN; }), "covariance NaN");
  ExpectRejected(with([](Tuning& t) { t.long_halflife = 0; }), "long_halflife 0");
  ExpectRejected(with([](Tuning& t) { t.season_rate = 0; }), "season_rate 0");
  ExpectRejected(with([](Tuning& t) { t.season_rate = 1.5; }), "season_rate 1.5");
  ExpectRejected(with([](Tuning& t) { t.season_gain = 0; }), "season_gain 0");
  ExpectRejected(with([](Tuning& t) { t.season_gain = 1.5; }), "season_gain 1.5");
  ExpectRejected(with([](Tuning& t) { t.range_excess = -1; }), "range_excess -1");
  ExpectRejected(with([](Tuning& t) { t.range_excess = kNaN; }), "range_excess NaN");
  ExpectRejected(with([](Tuning& t) { t.range_width = -0.1; }), "range_width -0.1");
  ExpectRejected(with([](Tuning& t) { t.range_width = kNaN; }), "range_width NaN");
  ExpectRejected(with([](Tuning& t) { t.clip = 0; }), "clip 0");
  ExpectRejected(with([](Tuning& t) { t.shrinkage = 0; }), "shrinkage 0");
  ExpectRejected(with([](Tuning& t) { t.shrinkage = 1.01; }), "shrinkage 1.01");
  ExpectRejected(with([](Tuning& t) { t.short_window = 0; }), "short_window 0");
  ExpectRejected(with([](Tuning& t) { t.short_window = 65; }), "short_window 65");
}

TEST(ScorerCreateTest, AcceptsTheBoundaries) {
  ScorerOptions options = Options(kMaxSignals, 2880);
  options.warmup = 2;
  options.tuning.season_rate = 1;
  options.tuning.season_gain = 1;
  options.tuning.range_excess = 0;
  options.tuning.range_width = 0;
  options.tuning.shrinkage = 1;
  options.tuning.short_window = 64;
  options.tuning.range_margin = -1;
  auto scorer = Scorer::Create(options);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  EXPECT_EQ(scorer->options().signals, kMaxSignals);
  EXPECT_EQ(scorer->contributions().size(), static_cast<std::size_t>(kMaxSignals));
  EXPECT_TRUE(Scorer::Create(Options(1)).ok());
}

TEST(ScorerTest, FreshScorerHasNoScore) {
  Scorer scorer = MakeScorer(Options(4));
  EXPECT_EQ(scorer.score(), 0);
  EXPECT_EQ(scorer.top_signal(), -1);
  EXPECT_EQ(scorer.samples(), 0u);
  EXPECT_FALSE(scorer.warm());
  for (double share : scorer.contributions()) EXPECT_EQ(share, 0);
}

TEST(ScorerTest, ScoresZeroUntilWarmupThenWarms) {
  ScorerOptions options = Options(1);
  options.warmup = 50;
  Scorer scorer = MakeScorer(options);
  // Wild values during the warm-up: none of them may leak out as a score.
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0, 1);
  for (int i = 1; i < 50; ++i) {
    const double value = i % 10 == 0 ? 1000 * i : noise(rng);
    EXPECT_EQ(Feed(scorer, value), 0) << "sample " << i;
    EXPECT_FALSE(scorer.warm()) << "sample " << i;
  }
  // Missing samples do not count towards the warm-up.
  Feed(scorer, kNaN);
  EXPECT_FALSE(scorer.warm());
  EXPECT_EQ(scorer.samples(), 49u);
  Feed(scorer, noise(rng));
  EXPECT_TRUE(scorer.warm());
  EXPECT_EQ(scorer.samples(), 50u);
  // Once warm, ordinary data scores somewhere in (0, 1): the warm-up no longer forces 0.
  double highest = 0;
  for (int i = 0; i < 100; ++i) highest = std::max(highest, Feed(scorer, noise(rng)));
  EXPECT_GT(highest, 0);
}

TEST(ScorerTest, ConstantSeriesIsOrdinaryThenAChangeScoresHigh) {
  Scorer scorer = MakeScorer(Options(1));
  for (int i = 1; i <= 200; ++i) {
    const double score = Feed(scorer, 42.0);
    if (i < 30) {
      EXPECT_EQ(score, 0) << "warm-up sample " << i;
    } else {
      // Ordinary, as documented: no deviation, no division by zero.
      EXPECT_NEAR(score, 0.5, 1e-9) << "sample " << i;
    }
  }
  EXPECT_EQ(scorer.top_signal(), -1);
  // A change of one part in 10^5 is infinitely many deviations of a constant series.
  EXPECT_GT(Feed(scorer, 42.0004), 0.99);
  EXPECT_EQ(scorer.top_signal(), 0);

  // The distance alone finds it too (range rule off): the deviation floor keeps z finite.
  ScorerOptions no_range = Options(1);
  no_range.tuning.range_margin = -1;
  Scorer zero = MakeScorer(no_range);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(std::isfinite(Feed(zero, 0.0)));
  double highest = 0;
  for (int i = 0; i < 10; ++i) highest = std::max(highest, Feed(zero, 1e-3));
  EXPECT_GT(highest, 0.99);
}

TEST(ScorerTest, MissingRowsChangeNothing) {
  std::mt19937 rng(12);
  std::normal_distribution<double> noise(10, 2);
  Scorer plain = MakeScorer(Options(1));
  Scorer gappy = MakeScorer(Options(1));
  const double missing[] = {kNaN, kInf, -kInf};
  for (int i = 0; i < 2000; ++i) {
    // A spike now and then so that the scores are not all alike.
    const double value = i % 500 == 499 ? 40 : noise(rng);
    if (i % 7 == 3) {
      const double before = gappy.score();
      const std::size_t samples = gappy.samples();
      EXPECT_EQ(Feed(gappy, missing[i % 3]), before) << "sample " << i;
      EXPECT_EQ(gappy.samples(), samples);
    }
    const double expected = Feed(plain, value);
    ASSERT_EQ(Feed(gappy, value), expected) << "sample " << i;
  }
  EXPECT_EQ(gappy.samples(), plain.samples());
}

TEST(ScorerTest, NeverScoresOutsideTheUnitIntervalWithMissingValues) {
  std::mt19937 rng(13);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_int_distribution<int> pick(0, 9);
  const double odd[] = {kNaN, kInf, -kInf, 1e9, -1e9, 0};
  Scorer scorer = MakeScorer(Options(4));
  std::vector<double> sample(4);
  for (int i = 0; i < 5000; ++i) {
    for (int j = 0; j < 4; ++j) {
      const int p = pick(rng);
      sample[static_cast<std::size_t>(j)] = p < 6 && i % 3 == 0 ? odd[p] : noise(rng) + j;
    }
    const std::vector<double> shares_before(scorer.contributions().begin(),
                                            scorer.contributions().end());
    const double score = scorer.Update(sample);
    ASSERT_GE(score, 0) << "sample " << i;
    ASSERT_LE(score, 1) << "sample " << i;
    const auto shares = scorer.contributions();
    const bool all_missing = std::none_of(sample.begin(), sample.end(),
                                          [](double value) { return std::isfinite(value); });
    for (int j = 0; j < 4; ++j) {
      const auto at = static_cast<std::size_t>(j);
      if (all_missing) {
        // Skipped: the score and its contributions are still the previous sample's.
        EXPECT_EQ(shares[at], shares_before[at]) << "sample " << i;
      } else if (!std::isfinite(sample[at])) {
        EXPECT_EQ(shares[at], 0) << "sample " << i << ", missing signal " << j;
      }
    }
  }
}

// A huge but finite value would make the squared distance overflow (and, for an even k >= 4,
// the chi-squared tail compute -inf + inf): scores must stay numbers in [0, 1] afterwards.
TEST(ScorerTest, HugeFiniteValueDoesNotPoisonLaterScores) {
  std::mt19937 rng(17);
  std::normal_distribution<double> noise(0, 1);
  Scorer scorer = MakeScorer(Options(4));
  std::vector<double> sample(4);
  for (int i = 0; i < 100; ++i) {
    for (double& value : sample) value = noise(rng);
    scorer.Update(sample);
  }
  sample[0] = 1e200;
  EXPECT_GT(scorer.Update(sample), 0.999);  // beyond the range
  for (int i = 0; i < 10; ++i) {
    for (double& value : sample) value = noise(rng);
    const double score = scorer.Update(sample);
    EXPECT_TRUE(score >= 0 && score <= 1) << "sample " << i << " scored " << score;
  }
}

// A missing value changes nothing of its signal's state, the joint covariance included: were
// it to learn a zero residual, the signal's variance would decay during a long gap and ordinary
// values would score as rare when it returns.
TEST(ScorerTest, SignalReturningAfterAGapIsNotAlarming) {
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(0, 1);
  Scorer scorer = MakeScorer(Options(2));
  for (int i = 0; i < 2000; ++i) {
    const double sample[] = {noise(rng), noise(rng)};
    scorer.Update(sample);
  }
  for (int i = 0; i < 1000; ++i) {
    const double sample[] = {noise(rng), kNaN};
    scorer.Update(sample);
  }
  std::vector<double> scores;
  for (int i = 0; i < 50; ++i) {
    const double sample[] = {noise(rng), noise(rng)};
    scores.push_back(scorer.Update(sample));
  }
  EXPECT_LT(test::FractionAbove(scores, 0, scores.size(), 0.99), 0.1);
}

// Checks the contributions' invariants after every update of `scorer`.
void ExpectSharesWellFormed(const Scorer& scorer, int i) {
  const auto shares = scorer.contributions();
  const double total = std::accumulate(shares.begin(), shares.end(), 0.0);
  for (double share : shares) {
    ASSERT_GE(share, 0) << "sample " << i;
    ASSERT_LE(share, 1) << "sample " << i;
  }
  if (scorer.top_signal() < 0) {
    EXPECT_EQ(total, 0) << "sample " << i;
  } else {
    EXPECT_NEAR(total, 1, 1e-9) << "sample " << i;
    const double top = shares[static_cast<std::size_t>(scorer.top_signal())];
    for (double share : shares) EXPECT_LE(share, top) << "sample " << i;
  }
}

class ScorerSignalsTest : public ::testing::TestWithParam<int> {
 protected:
  // A scorer of GetParam() signals that has learnt 1,000 samples of standard normal noise from
  // `rng`, checking the shares after each; `sample` is sized for it.
  Scorer WarmOnNoise(std::mt19937& rng, std::vector<double>& sample) {
    const int k = GetParam();
    std::normal_distribution<double> noise(0, 1);
    Scorer scorer = MakeScorer(Options(k));
    sample.assign(static_cast<std::size_t>(k), 0);
    for (int i = 0; i < 1000; ++i) {
      for (double& value : sample) value = noise(rng);
      scorer.Update(sample);
      ExpectSharesWellFormed(scorer, i);
    }
    return scorer;
  }
};

// A sustained deviation in one signal, within the range it has shown before (so that the
// attribution is the distance's, not the range rule's), makes it the top signal.
TEST_P(ScorerSignalsTest, DeviatingSignalIsTopWithinItsRange) {
  const int k = GetParam();
  const int culprit = k - 2;
  std::mt19937 rng(14);
  std::normal_distribution<double> noise(0, 1);
  Scorer scorer = MakeScorer(Options(k));
  std::vector<double> sample(static_cast<std::size_t>(k));
  for (int i = 0; i < 3000; ++i) {
    for (int j = 0; j < k; ++j) sample[static_cast<std::size_t>(j)] = 100 * j + noise(rng);
    // Early excursions in every signal widen the ranges to ±12.
    if (i == 100 || i == 101) {
      for (int j = 0; j < k; ++j) sample[static_cast<std::size_t>(j)] += i == 100 ? 12 : -12;
    }
    scorer.Update(sample);
    ExpectSharesWellFormed(scorer, i);
  }
  double highest = 0;
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < k; ++j) sample[static_cast<std::size_t>(j)] = 100 * j + noise(rng);
    sample[static_cast<std::size_t>(culprit)] += 8;
    highest = std::max(highest, scorer.Update(sample));
    ExpectSharesWellFormed(scorer, 3000 + i);
    EXPECT_EQ(scorer.top_signal(), culprit) << "deviating sample " << i;
    EXPECT_GT(scorer.contributions()[static_cast<std::size_t>(culprit)], 0.5);
  }
  EXPECT_GT(highest, 0.99);
}

// Beyond its range, the range rule names the signal alone.
TEST_P(ScorerSignalsTest, SignalLeavingItsRangeTakesAllTheShare) {
  std::mt19937 rng(15);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> sample;
  Scorer scorer = WarmOnNoise(rng, sample);
  for (double& value : sample) value = noise(rng);
  sample[1] = 50;
  EXPECT_GT(scorer.Update(sample), 0.999);
  EXPECT_EQ(scorer.top_signal(), 1);
  EXPECT_EQ(scorer.contributions()[1], 1);
}

// When several signals leave their ranges, the one furthest beyond has the largest share.
TEST_P(ScorerSignalsTest, FurthestBreakHasTheLargestShare) {
  std::mt19937 rng(18);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> sample;
  Scorer scorer = WarmOnNoise(rng, sample);
  for (double& value : sample) value = noise(rng) / 4;
  sample[0] = 10;
  sample[3] = 60;
  EXPECT_GT(scorer.Update(sample), 0.999);
  ExpectSharesWellFormed(scorer, 1000);
  const auto shares = scorer.contributions();
  EXPECT_EQ(scorer.top_signal(), 3);
  EXPECT_GT(shares[3], shares[0]);
  EXPECT_GT(shares[0], 0);
  EXPECT_EQ(shares[1], 0);  // within its range
}

// Missing signals get no share, and the shares stay well formed over a noisy run with gaps.
TEST_P(ScorerSignalsTest, SharesStayWellFormedWithGaps) {
  const int k = GetParam();
  std::mt19937 rng(16);
  std::normal_distribution<double> noise(0, 1);
  Scorer scorer = MakeScorer(Options(k));
  std::vector<double> sample(static_cast<std::size_t>(k));
  for (int i = 0; i < 3000; ++i) {
    for (int j = 0; j < k; ++j) {
      sample[static_cast<std::size_t>(j)] = (i + j) % 11 == 0 ? kNaN : noise(rng) * (j + 1);
    }
    scorer.Update(sample);
    ExpectSharesWellFormed(scorer, i);
    for (int j = 0; j < k; ++j) {
      if (std::isnan(sample[static_cast<std::size_t>(j)])) {
        EXPECT_EQ(scorer.contributions()[static_cast<std::size_t>(j)], 0);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, ScorerSignalsTest, ::testing::Values(4, 16));

TEST(ScorerMemoryTest, OneSignalStaysUnder64KiB) {
  const Scorer plain = MakeScorer(Options(1));
  const Scorer daily = MakeScorer(Options(1, 288));
  EXPECT_LT(plain.MemoryBytes(), 64u * 1024);
  EXPECT_LT(daily.MemoryBytes(), 64u * 1024);
  // The seasonal profile is what a season costs: 288 buckets of one double.
  EXPECT_GE(daily.MemoryBytes(), plain.MemoryBytes() + 288 * sizeof(double));
  // A longer period shares its buckets: memory is bounded whatever the period.
  EXPECT_EQ(MakeScorer(Options(1, 2880)).MemoryBytes(), daily.MemoryBytes());
  // And it does not grow with the samples learnt.
  Scorer fed = MakeScorer(Options(1, 288));
  for (int i = 0; i < 2000; ++i) Feed(fed, i % 288);
  EXPECT_EQ(fed.MemoryBytes(), daily.MemoryBytes());
}

}  // namespace
}  // namespace rebound::anomaly
