// Helpers shared by the anomaly scorer's tests: building scorers, feeding them, and summarising
// their scores. Scores are probabilities, so the tests compare orderings and quantiles of them
// rather than exact values; these helpers keep that bookkeeping out of the test bodies.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "anomaly/scorer.h"

namespace rebound::anomaly::test {

// A scorer for options the test knows to be valid; a failure is reported (and the access that
// follows throws, which gtest turns into a failed test rather than a crash).
inline Scorer MakeScorer(const ScorerOptions& options) {
  auto scorer = Scorer::Create(options);
  EXPECT_TRUE(scorer.ok()) << scorer.status().ToString();
  return std::move(scorer).value();
}

inline ScorerOptions Options(int signals, int season = 0) {
  ScorerOptions options;
  options.signals = signals;
  options.season = season;
  return options;
}

// Feeds a one-signal series, returning the score of each sample.
inline std::vector<double> FeedAll(Scorer& scorer, std::span<const double> values) {
  std::vector<double> scores;
  scores.reserve(values.size());
  for (double value : values) scores.push_back(scorer.Update(std::span<const double>(&value, 1)));
  return scores;
}

inline double Feed(Scorer& scorer, double value) {
  return scorer.Update(std::span<const double>(&value, 1));
}

// The q-quantile (0..1) of scores[begin, end).
inline double Quantile(const std::vector<double>& scores, std::size_t begin, std::size_t end,
                       double q) {
  std::vector<double> part(scores.begin() + static_cast<std::ptrdiff_t>(begin),
                           scores.begin() + static_cast<std::ptrdiff_t>(end));
  std::sort(part.begin(), part.end());
  const auto at = static_cast<std::size_t>(q * static_cast<double>(part.size() - 1));
  return part[at];
}

inline double Median(const std::vector<double>& scores, std::size_t begin, std::size_t end) {
  return Quantile(scores, begin, end, 0.5);
}

inline double MaxOf(const std::vector<double>& scores, std::size_t begin, std::size_t end) {
  return *std::max_element(scores.begin() + static_cast<std::ptrdiff_t>(begin),
                           scores.begin() + static_cast<std::ptrdiff_t>(end));
}

// Fraction of scores[begin, end) strictly above `threshold`.
inline double FractionAbove(const std::vector<double>& scores, std::size_t begin, std::size_t end,
                            double threshold) {
  const auto above = std::count_if(scores.begin() + static_cast<std::ptrdiff_t>(begin),
                                   scores.begin() + static_cast<std::ptrdiff_t>(end),
                                   [threshold](double s) { return s > threshold; });
  return static_cast<double>(above) / static_cast<double>(end - begin);
}

}  // namespace rebound::anomaly::test
