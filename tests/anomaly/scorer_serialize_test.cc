// Persistence and value semantics: a scorer restored from Serialize, a copy, or a moved-to
// scorer carries on exactly as the original would (EXPECT_EQ on scores is intended: the same
// arithmetic on the same state gives the same bits), and bytes that are not a serialised
// scorer are refused with InvalidArgument rather than crashing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "anomaly/scorer.h"
#include "tests/anomaly/scorer_test_util.h"

namespace rebound::anomaly {
namespace {

using test::MakeScorer;
using test::Options;

// `n` samples of k signals: noise with a daily-ish wave, every 13th value missing, and a
// spike in signal 0 every 400 samples, so that the state visits its unusual corners too.
std::vector<std::vector<double>> MixedSamples(int k, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::vector<double>> samples(static_cast<std::size_t>(n),
                                           std::vector<double>(static_cast<std::size_t>(k)));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < k; ++j) {
      double value = 5 * std::sin(i / 20.0 + j) + noise(rng);
      if ((i + 3 * j) % 13 == 0) value = std::numeric_limits<double>::quiet_NaN();
      if (j == 0 && i % 400 == 399) value = 60;
      samples[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = value;
    }
  }
  return samples;
}

// Feeds `samples` to both scorers and expects identical observable behaviour throughout.
void ExpectSameBehaviour(Scorer& a, Scorer& b, const std::vector<std::vector<double>>& samples) {
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double expected = a.Update(samples[i]);
    ASSERT_EQ(b.Update(samples[i]), expected) << "sample " << i;
    ASSERT_EQ(b.top_signal(), a.top_signal()) << "sample " << i;
    const auto shares_a = a.contributions();
    const auto shares_b = b.contributions();
    ASSERT_EQ(std::vector<double>(shares_b.begin(), shares_b.end()),
              std::vector<double>(shares_a.begin(), shares_a.end()))
        << "sample " << i;
  }
  EXPECT_EQ(b.samples(), a.samples());
  EXPECT_EQ(b.warm(), a.warm());
}

struct RoundTripCase {
  int signals;
  int season;
  int serialise_at;  // samples fed before Serialize
};

class ScorerRoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(ScorerRoundTripTest, RestoredScorerContinuesIdentically) {
  const RoundTripCase c = GetParam();
  const auto samples = MixedSamples(c.signals, c.serialise_at + 1200, 41);
  const std::vector<std::vector<double>> before(samples.begin(), samples.begin() + c.serialise_at);
  const std::vector<std::vector<double>> after(samples.begin() + c.serialise_at, samples.end());
  Scorer original = MakeScorer(Options(c.signals, c.season));
  for (const auto& sample : before) original.Update(sample);

  const std::string bytes = original.Serialize();
  auto restored = Scorer::Deserialize(bytes);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->Serialize(), bytes);
  EXPECT_EQ(restored->score(), original.score());
  EXPECT_EQ(restored->samples(), original.samples());
  EXPECT_EQ(restored->options().signals, c.signals);
  EXPECT_EQ(restored->options().season, c.season);
  EXPECT_EQ(restored->MemoryBytes(), original.MemoryBytes());
  ExpectSameBehaviour(original, *restored, after);
}

INSTANTIATE_TEST_SUITE_P(Cases, ScorerRoundTripTest,
                         ::testing::Values(RoundTripCase{1, 0, 0}, RoundTripCase{1, 0, 10},
                                           RoundTripCase{1, 0, 1000}, RoundTripCase{1, 288, 1000},
                                           RoundTripCase{4, 288, 777}, RoundTripCase{16, 0, 1000},
                                           RoundTripCase{3, 2880, 5000}));

// A serialised scorer of a few hundred samples, with a season so that every part of the state
// is present.
std::string SomeSerialisedScorer() {
  Scorer scorer = MakeScorer(Options(2, 24));
  for (const auto& sample : MixedSamples(2, 500, 42)) scorer.Update(sample);
  return scorer.Serialize();
}

void ExpectInvalid(const std::string& bytes, const std::string& what) {
  auto scorer = Scorer::Deserialize(bytes);
  ASSERT_FALSE(scorer.ok()) << what;
  EXPECT_EQ(scorer.status().code(), common::StatusCode::kInvalidArgument) << what;
}

TEST(ScorerDeserializeTest, RejectsEveryTruncation) {
  const std::string bytes = SomeSerialisedScorer();
  ASSERT_TRUE(Scorer::Deserialize(bytes).ok());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    ExpectInvalid(bytes.substr(0, size), "truncated to " + std::to_string(size));
  }
}

TEST(ScorerDeserializeTest, RejectsTrailingBytes) {
  ExpectInvalid(SomeSerialisedScorer() + '\0', "one trailing byte");
  ExpectInvalid(SomeSerialisedScorer() + SomeSerialisedScorer(), "two scorers");
}

TEST(ScorerDeserializeTest, RejectsWrongMagicAndVersion) {
  const std::string bytes = SomeSerialisedScorer();
  ExpectInvalid("", "empty");
  ExpectInvalid("not a scorer at all, but long enough to hold the options of one........" +
                    std::string(1000, 'x'),
                "text");
  std::string magic = bytes;
  magic[0] = 'X';
  ExpectInvalid(magic, "wrong magic");
  // The magic's last bytes are the format version ("...01").
  std::string version = bytes;
  version[7] = static_cast<char>(version[7] + 1);
  ExpectInvalid(version, "next version");
}

TEST(ScorerDeserializeTest, RejectsBadOptions) {
  // The options follow the 8-byte magic, `signals` first.
  std::string bytes = SomeSerialisedScorer();
  for (int signals : {0, kMaxSignals + 1, -5}) {
    std::memcpy(&bytes[8], &signals, sizeof(signals));
    ExpectInvalid(bytes, "signals " + std::to_string(signals));
  }
}

// Flipping bits anywhere gives InvalidArgument or a scorer that can be used; never a crash.
// (Without a checksum, a flip inside a learnt value cannot be told from a real state.)
TEST(ScorerDeserializeTest, CorruptedBytesNeverCrash) {
  const std::string bytes = SomeSerialisedScorer();
  const auto samples = MixedSamples(2, 40, 43);
  int accepted = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned char mask : {0x01, 0x10, 0x80, 0xFF}) {
      std::string corrupted = bytes;
      corrupted[at] = static_cast<char>(static_cast<unsigned char>(corrupted[at]) ^ mask);
      auto scorer = Scorer::Deserialize(corrupted);
      if (!scorer.ok()) {
        EXPECT_EQ(scorer.status().code(), common::StatusCode::kInvalidArgument);
        continue;
      }
      ++accepted;
      for (const auto& sample : samples) scorer->Update(sample);
      EXPECT_EQ(scorer->contributions().size(), 2u);
    }
  }
  // Most flips land in learnt values, which are accepted.
  EXPECT_GT(accepted, 0);
}

// A NaN written over any learnt value (the surprise history, say) would make every later score
// NaN: Deserialize must refuse it, or it must be harmless.
TEST(ScorerDeserializeTest, NonFiniteStateIsRejectedOrHarmless) {
  const std::string bytes = SomeSerialisedScorer();
  const auto samples = MixedSamples(2, 20, 44);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t at = 0; at + sizeof(nan) <= bytes.size(); ++at) {
    std::string corrupted = bytes;
    std::memcpy(&corrupted[at], &nan, sizeof(nan));
    auto scorer = Scorer::Deserialize(corrupted);
    if (!scorer.ok()) continue;
    for (const auto& sample : samples) {
      const double score = scorer->Update(sample);
      ASSERT_TRUE(score >= 0 && score <= 1) << "NaN at byte " << at << " gave " << score;
    }
  }
}

TEST(ScorerValueTest, SameInputGivesSameOutput) {
  const ScorerOptions options = Options(4, 96);
  Scorer a = MakeScorer(options);
  Scorer b = MakeScorer(options);
  ExpectSameBehaviour(a, b, MixedSamples(4, 3000, 45));
  EXPECT_EQ(a.Serialize(), b.Serialize());
}

TEST(ScorerValueTest, CopyBehavesLikeTheOriginalAndIsIndependent) {
  const auto samples = MixedSamples(4, 2000, 46);
  Scorer original = MakeScorer(Options(4, 96));
  for (std::size_t i = 0; i < 1000; ++i) original.Update(samples[i]);
  const std::vector<std::vector<double>> rest(samples.begin() + 1000, samples.end());

  Scorer copy = original;
  const std::string before = original.Serialize();
  // Feeding the copy leaves the original as it was.
  Scorer probe = original;
  for (const auto& sample : rest) probe.Update(sample);
  EXPECT_EQ(original.Serialize(), before);

  Scorer assigned = MakeScorer(Options(1));
  assigned = original;
  Scorer moved_from = original;
  Scorer moved = std::move(moved_from);
  Scorer move_assigned = MakeScorer(Options(1));
  Scorer move_source = original;
  move_assigned = std::move(move_source);

  Scorer reference = original;
  for (Scorer* other : {&copy, &assigned, &moved, &move_assigned}) {
    Scorer expected = reference;
    ExpectSameBehaviour(expected, *other, rest);
  }
  EXPECT_EQ(probe.Serialize(), copy.Serialize());
}

}  // namespace
}  // namespace rebound::anomaly
