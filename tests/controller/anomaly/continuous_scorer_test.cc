#include "controller/anomaly/continuous_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/controller/anomaly/scorer_store_fixture.h"
#include "tests/fakes/fake_prometheus.h"
#include "tests/fakes/fake_sleeper.h"
#include "tests/support/log_capture.h"
#include "tests/support/metric_value.h"
#include "tests/support/signal_values.h"

namespace rebound::controller::anomaly {
namespace {

using std::chrono::milliseconds;
using Range = std::pair<promql::TimePoint, promql::TimePoint>;

constexpr milliseconds kScoringStep(30000);

// Step `i` of the scoring timeline; step 0 is FakeClock's start.
promql::TimePoint StepAt(int i) {
  return promql::TimePoint(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) +
         i * kScoringStep;
}

promql::Series WorkloadSeries(const std::string& workload, int first_step,
                              const std::vector<double>& values) {
  return testing::SeriesAt({{"namespace", "shop"}, {"workload", workload}}, StepAt(first_step),
                           kScoringStep, values);
}

SignalSet MemorySet(const std::string& name = "memory", const std::string& query = "mem") {
  SignalSet set;
  set.name = name;
  set.queries = {{"memory", query}};
  set.lookback = std::chrono::hours(1);  // 120 steps
  return set;
}

// Prometheus holds 300 steps of memory for shop/web, which leaks from step 180 on, and for
// shop/api, which stays flat; "mem_v2" answers the same. Each test's scorers tick at steps
// 120 and later, so that their first fetch finds a full hour of history.
class ContinuousScorerTest : public ScorerStoreFixture {
 protected:
  ContinuousScorerTest() {
    const promql::Matrix memory = {WorkloadSeries("web", 0, testing::MemoryValues(180, 120)),
                                   WorkloadSeries("api", 0, testing::MemoryValues(300, 0))};
    SetHistory({{"mem", memory}, {"mem_v2", memory}});
    clock_.Advance(120 * kScoringStep);
  }

  // What Prometheus answers from now on; every range asked for is recorded, and fails with
  // `failure_` when set.
  void SetHistory(std::map<std::string, promql::Matrix> history) {
    prometheus_.SetRangeHandler([this, within = testing::PointsWithin(std::move(history))](
                                    std::string_view query, promql::TimePoint start,
                                    promql::TimePoint end,
                                    milliseconds step) -> common::Result<promql::RangeQueryResult> {
      {
        std::lock_guard lock(mu_);
        ranges_.emplace_back(start, end);
        if (failure_) return *failure_;
      }
      return within(query, start, end, step);
    });
  }

  std::unique_ptr<ContinuousScorer> MakeScorer(std::vector<SignalSet> sets,
                                               prometheus::Registry& registry, ScorerStore* store) {
    return std::make_unique<ContinuousScorer>(
        ContinuousScorer::Deps{prometheus_, store, clock_, sleeper_, registry}, kScoringStep,
        std::move(sets));
  }
  std::unique_ptr<ContinuousScorer> MakeScorer(std::vector<SignalSet> sets = {MemorySet()}) {
    return MakeScorer(std::move(sets), registry_, store_.get());
  }

  // Advances a step at a time up to step `last`, ticking each of `scorers` at every step.
  void TickThrough(int last, std::initializer_list<ContinuousScorer*> scorers) {
    while (clock_.Now() < StepAt(last)) {
      clock_.Advance(kScoringStep);
      for (ContinuousScorer* scorer : scorers) scorer->Tick();
    }
  }

  std::optional<double> Score(const std::string& workload, const std::string& set = "memory",
                              const prometheus::Registry* registry = nullptr) const {
    return testing::MetricValue(registry ? *registry : registry_, "rebound_anomaly_score",
                                {{"signal", set}, {"namespace", "shop"}, {"workload", workload}});
  }
  double Evaluations(const std::string& result, const std::string& set = "memory") const {
    return testing::MetricValue(registry_, "rebound_anomaly_evaluations_total",
                                {{"signal", set}, {"result", result}})
        .value_or(-1);
  }

  // The saved scorers as "set/workload: samples learnt".
  std::vector<std::string> Saved() const {
    std::vector<std::string> out;
    auto saved = store_->LoadAll();
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    if (!saved.ok()) return out;
    for (const SavedScorer& s : *saved) {
      auto scorer = rebound::anomaly::Scorer::Deserialize(s.state);
      EXPECT_TRUE(scorer.ok()) << scorer.status().ToString();
      out.push_back(s.key.set + "/" + s.key.workload + ": " +
                    (scorer.ok() ? std::to_string(scorer->samples()) : "?"));
    }
    return out;
  }

  std::vector<Range> ranges() {
    std::lock_guard lock(mu_);
    return ranges_;
  }
  void Fail(std::optional<common::Status> failure) {
    std::lock_guard lock(mu_);
    failure_ = std::move(failure);
  }

  testing::FakeSleeper sleeper_{clock_};
  testing::FakePrometheus prometheus_;
  prometheus::Registry registry_;

 private:
  std::mutex mu_;
  std::vector<Range> ranges_;
  std::optional<common::Status> failure_;
};

TEST_F(ContinuousScorerTest, LeakingWorkloadScoresHighAndFlatOneLow) {
  auto scorer = MakeScorer();
  scorer->Tick();
  EXPECT_THAT(ranges(), ::testing::ElementsAre(Range{StepAt(0), StepAt(120)}));
  ASSERT_TRUE(Score("web").has_value());
  EXPECT_LT(*Score("web"), 0.9);  // not leaking yet

  TickThrough(239, {scorer.get()});
  // Every later tick asks only for the step it has not learnt.
  EXPECT_EQ(ranges().back(), (Range{StepAt(239), StepAt(239)}));
  EXPECT_GT(*Score("web"), 0.9);
  ASSERT_TRUE(Score("api").has_value());
  EXPECT_GE(*Score("api"), 0);
  EXPECT_LT(*Score("api"), 0.9);
  EXPECT_EQ(Evaluations("ok"), 120);
  EXPECT_EQ(Evaluations("error"), 0);
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 240", "memory/web: 240"));
}

TEST_F(ContinuousScorerTest, RestartCatchesUpFromTheSavedStateAsIfItHadNotStopped) {
  // The reference never stops and keeps nothing; the other stops at step 150.
  prometheus::Registry reference_registry;
  auto reference = MakeScorer({MemorySet()}, reference_registry, nullptr);
  auto first = MakeScorer();
  reference->Tick();
  first->Tick();
  TickThrough(150, {reference.get(), first.get()});
  first.reset();
  TickThrough(190, {reference.get()});

  prometheus::Registry restarted_registry;
  auto restarted = MakeScorer({MemorySet()}, restarted_registry, store_.get());
  restarted->Tick();
  EXPECT_EQ(ranges().back(), (Range{StepAt(151), StepAt(190)}));
  for (const char* workload : {"web", "api"}) {
    ASSERT_TRUE(Score(workload, "memory", &restarted_registry).has_value()) << workload;
    EXPECT_DOUBLE_EQ(*Score(workload, "memory", &restarted_registry),
                     *Score(workload, "memory", &reference_registry))
        << workload;
  }
  EXPECT_GT(*Score("web", "memory", &restarted_registry), 0.9);  // the leak began while down
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 191", "memory/web: 191"));
}

TEST_F(ContinuousScorerTest, SavedStateOfOtherQueriesOrOlderThanTheLookbackIsDiscarded) {
  MakeScorer()->Tick();
  ASSERT_THAT(Saved(), ::testing::ElementsAre("memory/api: 121", "memory/web: 121"));

  // Other queries under the same set name: the saved state does not apply.
  clock_.Advance(10 * kScoringStep);
  testing::LogCapture log;
  MakeScorer({MemorySet("memory", "mem_v2")})->Tick();
  EXPECT_EQ(ranges().back(), (Range{StepAt(10), StepAt(130)}));
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 121", "memory/web: 121"));
  EXPECT_EQ(log.Count("discarded 2 stale or unusable"), 1) << log.text();

  // Saved at step 130, back at step 251: more than the hour of lookback has passed.
  clock_.Advance(121 * kScoringStep);
  MakeScorer({MemorySet("memory", "mem_v2")})->Tick();
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 121", "memory/web: 121"));
  EXPECT_EQ(log.Count("discarded 2 stale or unusable"), 2) << log.text();
}

// State saved by another version of the scorer (here: format 03's magic) cannot be restored: it
// is discarded with a warning naming the workload, and the workload is warmed afresh on the
// whole lookback, as a new one would be.
TEST_F(ContinuousScorerTest, SavedStateOfAnotherScorerVersionIsDiscardedAndRewarmed) {
  MakeScorer()->Tick();
  auto saved = store_->LoadAll();
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  ASSERT_EQ(saved->size(), 2u);
  for (SavedScorer& s : *saved) {
    ASSERT_EQ(s.state.substr(0, 8), "RBANOM04");
    s.state.replace(0, 8, "RBANOM03");
  }
  ASSERT_TRUE(store_->Save(*saved).ok());

  clock_.Advance(10 * kScoringStep);
  testing::LogCapture log;
  MakeScorer()->Tick();
  EXPECT_EQ(log.Count("discarding the saved scorer of shop/web in signal set memory"), 1)
      << log.text();
  EXPECT_EQ(log.Count("discarded 2 stale or unusable"), 1) << log.text();
  EXPECT_EQ(ranges().back(), (Range{StepAt(10), StepAt(130)}));
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 121", "memory/web: 121"));
  EXPECT_TRUE(Score("web").has_value());
}

TEST_F(ContinuousScorerTest, NewWorkloadIsWarmedWithTheWholeLookback) {
  auto scorer = MakeScorer();
  scorer->Tick();
  // shop/db starts at step 125 and has an hour of history when it is first seen at step 200.
  SetHistory({{"mem",
               {WorkloadSeries("web", 0, testing::MemoryValues(300, 0)),
                WorkloadSeries("db", 125, testing::MemoryValues(175, 0))}}});
  clock_.Advance(80 * kScoringStep);
  scorer->Tick();
  EXPECT_THAT(ranges(),
              ::testing::ElementsAre(Range{StepAt(0), StepAt(120)}, Range{StepAt(121), StepAt(200)},
                                     Range{StepAt(80), StepAt(200)}));
  EXPECT_THAT(Saved(),
              ::testing::ElementsAre("memory/api: 121", "memory/db: 76", "memory/web: 201"));
}

TEST_F(ContinuousScorerTest, FailedQueriesAreCountedLoggedOnceAndCaughtUpOnRecovery) {
  auto scorer = MakeScorer();
  scorer->Tick();
  const double before = *Score("web");

  testing::LogCapture log;
  Fail(common::Unavailable("connection refused"));
  TickThrough(122, {scorer.get()});
  EXPECT_EQ(Evaluations("ok"), 1);
  EXPECT_EQ(Evaluations("error"), 2);
  EXPECT_EQ(*Score("web"), before);
  EXPECT_EQ(log.Count("cannot evaluate signal set memory"), 1) << log.text();
  EXPECT_EQ(log.Count("connection refused"), 1) << log.text();

  Fail(std::nullopt);
  TickThrough(123, {scorer.get()});
  EXPECT_EQ(Evaluations("ok"), 2);
  EXPECT_EQ(ranges().back(), (Range{StepAt(121), StepAt(123)}));
  EXPECT_EQ(log.Count("signal set memory is evaluated again"), 1) << log.text();
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 124", "memory/web: 124"));
}

TEST_F(ContinuousScorerTest, AmbiguousQueryIsAnErrorNamingTheSet) {
  // Two series for shop/web: the query forgot to aggregate.
  SetHistory({{"mem",
               {WorkloadSeries("web", 0, testing::MemoryValues(300, 0)),
                WorkloadSeries("web", 0, testing::MemoryValues(300, 0))}}});
  testing::LogCapture log;
  MakeScorer()->Tick();
  EXPECT_EQ(Evaluations("error"), 1);
  EXPECT_FALSE(Score("web").has_value());
  EXPECT_EQ(log.Count("signal set memory"), 1) << log.text();
  EXPECT_EQ(log.Count("sum by (namespace, workload)"), 1) << log.text();
}

TEST_F(ContinuousScorerTest, WorkloadWithoutDataForLongerThanTheLookbackIsForgotten) {
  SetHistory({{"mem",
               {WorkloadSeries("web", 0, testing::MemoryValues(300, 0)),
                WorkloadSeries("api", 0, testing::MemoryValues(131, 0))}}});
  auto scorer = MakeScorer();
  scorer->Tick();
  TickThrough(250, {scorer.get()});  // api's last point, step 130, is exactly an hour old
  EXPECT_TRUE(Score("api").has_value());
  TickThrough(251, {scorer.get()});
  EXPECT_FALSE(Score("api").has_value());
  EXPECT_TRUE(Score("web").has_value());
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/web: 252"));
}

TEST_F(ContinuousScorerTest, ReloadKeepsUnchangedSetsAndDropsChangedOnes) {
  auto scorer = MakeScorer({MemorySet("memory"), MemorySet("memory_v1")});
  scorer->Tick();
  ASSERT_TRUE(Score("web", "memory_v1").has_value());

  SignalSet longer = MemorySet("memory");
  longer.lookback = std::chrono::hours(2);  // not part of what the scorers learnt
  scorer->SetSets({longer, MemorySet("memory_v1", "mem_v2")});
  TickThrough(121, {scorer.get()});
  EXPECT_EQ(Evaluations("ok", "memory_v1"), 2);
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 122", "memory/web: 122",
                                              "memory_v1/api: 121", "memory_v1/web: 121"));

  scorer->SetSets({longer});
  TickThrough(122, {scorer.get()});
  EXPECT_FALSE(Score("web", "memory_v1").has_value());
  EXPECT_THAT(Saved(), ::testing::ElementsAre("memory/api: 123", "memory/web: 123"));
}

TEST_F(ContinuousScorerTest, StartScoresAtOnceAndStopInterruptsTheWait) {
  sleeper_.HoldUntilStopped(std::chrono::seconds(20));  // the step's wait ends only by Stop()
  ContinuousScorer scorer({prometheus_, store_.get(), clock_, sleeper_, registry_}, kScoringStep,
                          {MemorySet()});
  scorer.Start();
  ASSERT_TRUE(sleeper_.WaitForSleeps(1, std::chrono::seconds(10)));  // scored, now waiting
  const auto stopping = std::chrono::steady_clock::now();
  scorer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(10));
  EXPECT_EQ(Evaluations("ok"), 1);
}

}  // namespace
}  // namespace rebound::controller::anomaly
