#include "controller/anomaly/signal_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/fakes/fake_prometheus.h"
#include "tests/support/signal_values.h"

namespace rebound::controller::anomaly {
namespace {

using ::rebound::testing::SeriesAt;
using ::std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const promql::TimePoint kStart{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
constexpr milliseconds kStep(30000);

promql::RangeQueryResult RangeOf(std::vector<promql::Series> series) {
  promql::RangeQueryResult result;
  result.matrix = std::move(series);
  return result;
}

common::Result<std::map<GroupKey, SignalHistory>> Fetch(
    promql::PrometheusApi& prometheus, const std::vector<SignalQuery>& queries,
    const std::vector<std::string>& group_by = {}) {
  return FetchSignalHistories(prometheus, queries, kStart, kStart + 10 * kStep, kStep, group_by);
}

TEST(FetchSignalHistoriesTest, AlignsSignalsByTimestampWithNaNForMissingPoints) {
  testing::FakePrometheus prometheus;
  prometheus.SetRange("mem", RangeOf({SeriesAt({}, kStart, kStep, {1, 2, 3})}));
  // Starts one step later and has one more point: the union of times is four rows.
  prometheus.SetRange("cpu", RangeOf({SeriesAt({}, kStart + kStep, kStep, {10, 20, 30})}));

  auto histories = Fetch(prometheus, {{"memory", "mem"}, {"cpu", "cpu"}});
  ASSERT_TRUE(histories.ok()) << histories.status().ToString();
  ASSERT_EQ(histories->size(), 1u);
  const SignalHistory& h = histories->at(GroupKey{});
  EXPECT_THAT(h.signals, ElementsAre("memory", "cpu"));
  ASSERT_EQ(h.times.size(), 4u);
  EXPECT_EQ(h.times.front(), kStart);
  EXPECT_EQ(h.times.back(), kStart + 3 * kStep);
  EXPECT_EQ(h.Row(0)[0], 1);
  EXPECT_TRUE(std::isnan(h.Row(0)[1]));
  EXPECT_THAT(h.Row(1), ElementsAre(2, 10));
  EXPECT_THAT(h.Row(2), ElementsAre(3, 20));
  EXPECT_TRUE(std::isnan(h.Row(3)[0]));
  EXPECT_EQ(h.Row(3)[1], 30);
  EXPECT_THAT(prometheus.queries(), ElementsAre("mem", "cpu"));
}

TEST(FetchSignalHistoriesTest, GroupsSeriesByLabelValues) {
  testing::FakePrometheus prometheus;
  prometheus.SetRange(
      "mem", RangeOf({SeriesAt({{"namespace", "shop"}, {"workload", "web"}}, kStart, kStep, {1}),
                      SeriesAt({{"namespace", "shop"}, {"workload", "db"}}, kStart, kStep, {2}),
                      SeriesAt({{"workload", "orphan"}}, kStart, kStep, {3})}));
  prometheus.SetRange(
      "cpu", RangeOf({SeriesAt({{"namespace", "shop"}, {"workload", "web"}}, kStart, kStep, {9})}));

  auto histories =
      Fetch(prometheus, {{"memory", "mem"}, {"cpu", "cpu"}}, {"namespace", "workload"});
  ASSERT_TRUE(histories.ok()) << histories.status().ToString();
  ASSERT_EQ(histories->size(), 3u);
  EXPECT_THAT(histories->at({"shop", "web"}).Row(0), ElementsAre(1, 9));
  const SignalHistory& db = histories->at({"shop", "db"});
  EXPECT_EQ(db.Row(0)[0], 2);
  EXPECT_TRUE(std::isnan(db.Row(0)[1]));  // cpu has no series for it
  EXPECT_EQ(histories->at({"", "orphan"}).Row(0)[0], 3);
}

TEST(FetchSignalHistoriesTest, EmptyMatricesGiveNoHistory) {
  testing::FakePrometheus prometheus;
  prometheus.SetRange("mem", RangeOf({}));
  auto histories = Fetch(prometheus, {{"memory", "mem"}});
  ASSERT_TRUE(histories.ok()) << histories.status().ToString();
  EXPECT_TRUE(histories->empty());
}

TEST(FetchSignalHistoriesTest, QueryFailureNamesTheSignal) {
  testing::FakePrometheus prometheus;  // knows no query: Unavailable
  prometheus.SetRange("mem", RangeOf({SeriesAt({}, kStart, kStep, {1})}));
  auto histories = Fetch(prometheus, {{"memory", "mem"}, {"restarts", "unknown"}});
  ASSERT_FALSE(histories.ok());
  EXPECT_EQ(histories.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(histories.status().message(), HasSubstr("signal restarts"));
}

TEST(FetchSignalHistoriesTest, SeveralSeriesForOneGroupAskToAggregate) {
  testing::FakePrometheus prometheus;
  prometheus.SetRange("mem", RangeOf({SeriesAt({{"pod", "a"}}, kStart, kStep, {1}),
                                      SeriesAt({{"pod", "b"}}, kStart, kStep, {2})}));
  auto ungrouped = Fetch(prometheus, {{"memory", "mem"}});
  ASSERT_FALSE(ungrouped.ok());
  EXPECT_EQ(ungrouped.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(ungrouped.status().message(), HasSubstr("signal memory"));
  EXPECT_THAT(ungrouped.status().message(), HasSubstr("aggregate it to one, e.g. sum(...)"));

  auto grouped = Fetch(prometheus, {{"memory", "mem"}}, {"namespace"});
  ASSERT_FALSE(grouped.ok());
  EXPECT_THAT(grouped.status().message(), HasSubstr("namespace=\"\""));
  EXPECT_THAT(grouped.status().message(), HasSubstr("sum by (namespace)"));
}

// ---- ScoreHistory ----

// One signal over time: `flat` noisy points, then `leak` points of a memory leak.
SignalHistory OneSignal(int flat, int leak) {
  testing::FakePrometheus prometheus;
  prometheus.SetRange("mem",
                      RangeOf({SeriesAt({}, kStart, kStep, testing::MemoryValues(flat, leak))}));
  auto histories = Fetch(prometheus, {{"memory", "mem"}});
  EXPECT_TRUE(histories.ok()) << histories.status().ToString();
  return histories->at(GroupKey{});
}

rebound::anomaly::Scorer NewScorer(int signals) {
  rebound::anomaly::ScorerOptions options;
  options.signals = signals;
  auto scorer = rebound::anomaly::Scorer::Create(options);
  EXPECT_TRUE(scorer.ok()) << scorer.status().ToString();
  return std::move(scorer).value();
}

TEST(ScoreHistoryTest, LeakScoresHighAndFlatNoiseDoesNot) {
  rebound::anomaly::Scorer leaking = NewScorer(1);
  const SignalScore leak = ScoreHistory(leaking, OneSignal(200, 20));
  EXPECT_GT(leak.score, 0.9);
  EXPECT_EQ(leak.top_signal, 0);
  EXPECT_THAT(leak.contributions, ElementsAre(::testing::DoubleNear(1, 1e-9)));
  EXPECT_EQ(leak.samples, 220u);
  EXPECT_TRUE(leak.warm);

  rebound::anomaly::Scorer flat_scorer = NewScorer(1);
  const SignalScore flat = ScoreHistory(flat_scorer, OneSignal(220, 0));
  EXPECT_LT(flat.score, 0.9);
  EXPECT_LT(flat.score, leak.score);
  EXPECT_TRUE(flat.warm);
}

TEST(ScoreHistoryTest, SkipsRowsBeforeFromAndReportsWarmUp) {
  const SignalHistory history = OneSignal(200, 0);
  rebound::anomaly::Scorer scorer = NewScorer(1);
  const size_t short_of_warm = scorer.options().warmup - 1;
  const SignalScore cold = ScoreHistory(scorer, history, history.times.size() - short_of_warm);
  EXPECT_EQ(cold.samples, short_of_warm);
  EXPECT_FALSE(cold.warm);
  EXPECT_EQ(cold.score, 0);

  // Feeding the same scorer again continues from its state.
  const SignalScore more = ScoreHistory(scorer, history);
  EXPECT_EQ(more.samples, short_of_warm + 200);
  EXPECT_TRUE(more.warm);
}

}  // namespace
}  // namespace rebound::controller::anomaly
