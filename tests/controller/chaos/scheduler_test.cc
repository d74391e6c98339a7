#include "controller/chaos/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>

#include "tests/fakes/fake_clock.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Hands out the given values in turn, then repeats the last.
class SequenceRandom final : public common::RandomSource {
 public:
  explicit SequenceRandom(std::deque<double> values) : values_(std::move(values)) {}
  double Uniform() override {
    ++draws;
    double v = values_.front();
    if (values_.size() > 1) values_.pop_front();
    return v;
  }
  int draws = 0;

 private:
  std::deque<double> values_;
};

using Tweak = std::function<void(Experiment&)>;

std::shared_ptr<const Experiment> Make(const std::string& name, const Tweak& tweak) {
  auto e = std::make_shared<Experiment>();
  e->name = name;
  tweak(*e);
  return e;
}

std::shared_ptr<const Experiment> CronExperiment(
    const std::string& name, const std::string& cron, const Tweak& tweak = [](Experiment&) {}) {
  return Make(name, [&](Experiment& e) {
    e.schedule.cron = *CronSchedule::Parse(cron);
    tweak(e);
  });
}

std::shared_ptr<const Experiment> EveryExperiment(
    const std::string& name, minutes every, minutes jitter,
    const Tweak& tweak = [](Experiment&) {}) {
  return Make(name, [&](Experiment& e) {
    e.schedule.every = every;
    e.schedule.jitter = jitter;
    tweak(e);
  });
}

class SchedulerTest : public ::testing::Test {
 protected:
  // The fake clock starts at 2026-01-01 00:00 UTC, a Thursday.
  TimePoint Start() const { return std::chrono::sys_days(std::chrono::year(2026) / 1 / 1); }

  Scheduler MakeScheduler(int max_concurrent = 1) {
    return Scheduler(clock_, random_, Scheduler::Options{max_concurrent},
                     [this] { return leader_; });
  }

  static const ExperimentPlan& Of(const SchedulePlan& plan, const std::string& name) {
    for (const ExperimentPlan& e : plan.experiments) {
      if (e.name == name) return e;
    }
    ADD_FAILURE() << "no plan for " << name;
    return plan.experiments.front();
  }

  static std::vector<std::string> Started(const SchedulePlan& plan) {
    std::vector<std::string> out;
    for (const DueRun& run : plan.start) out.push_back(run.experiment->name);
    return out;
  }

  testing::FakeClock clock_;
  SequenceRandom random_{{0.5}};
  bool leader_ = true;
};

TEST_F(SchedulerTest, ACronExperimentIsDueAtItsSlotAndOnlyOnce) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "*/30 * * * *")};
  std::map<std::string, RunState> runs;

  clock_.Advance(seconds(30));  // first seen at 00:00:30: the 00:00 slot was before it
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kScheduled);
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(30));
  EXPECT_EQ(plan.wake_at, Start() + minutes(30));

  clock_.Advance(minutes(29) + seconds(30));
  plan = scheduler.Plan(experiments, runs);
  ASSERT_EQ(Started(plan), std::vector<std::string>{"checkout"});
  EXPECT_EQ(plan.start[0].slot, Start() + minutes(30));
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kDue);

  runs["checkout"].last_started = clock_.Now();  // the runner records the start
  clock_.Advance(seconds(10));
  plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(60));
}

TEST_F(SchedulerTest, AfterDowntimeOnlyTheLatestMissedSlotRunsAndOnlyWithinTheDeadline) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "*/30 * * * *")};
  std::map<std::string, RunState> runs;
  runs["checkout"].last_started = Start() + hours(10);  // then the daemon was down

  clock_.Advance(hours(12) + minutes(3));  // 10:30, 11:00, 11:30 and 12:00 were missed
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].slot, Start() + hours(12));

  runs["checkout"].last_started = clock_.Now();
  plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty()) << "a missed slot is replayed once, not in a burst";
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(12) + minutes(30));
}

TEST_F(SchedulerTest, AMissedSlotOlderThanTheStartingDeadlineIsDropped) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "*/30 * * * *")};
  std::map<std::string, RunState> runs;
  runs["checkout"].last_started = Start() + hours(10);

  clock_.Advance(hours(12) + minutes(5) + seconds(1));  // 12:00 is 5m01s old; default 5m
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(12) + minutes(30));

  // With a longer deadline the same moment still runs the latest slot, once.
  experiments = {CronExperiment("checkout", "*/30 * * * *",
                                [](Experiment& e) { e.schedule.starting_deadline = minutes(45); })};
  plan = scheduler.Plan(experiments, runs);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].slot, Start() + hours(12));
}

TEST_F(SchedulerTest, ASuspendedExperimentIsNeverDue) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "* * * * *", [](Experiment& e) { e.schedule.suspend = true; })};
  clock_.Advance(hours(1));
  SchedulePlan plan = scheduler.Plan(experiments, {});
  clock_.Advance(minutes(5));
  plan = scheduler.Plan(experiments, {});
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kSuspended);
  EXPECT_EQ(Of(plan, "checkout").next, std::nullopt);
  EXPECT_EQ(ScheduleStateName(Of(plan, "checkout").state), "suspended");
}

TEST_F(SchedulerTest, AnExperimentWithoutScheduleRunsOnlyWhenAsked) {
  Scheduler scheduler = MakeScheduler();
  SchedulePlan plan = scheduler.Plan({Make("game-day", [](Experiment&) {})}, {});
  EXPECT_EQ(Of(plan, "game-day").state, ScheduleState::kManualOnly);
  EXPECT_EQ(plan.wake_at, std::nullopt);
}

TEST_F(SchedulerTest, NeverTwoRunsOfOneExperiment) {
  Scheduler scheduler = MakeScheduler(/*max_concurrent=*/5);
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "* * * * *")};
  (void)scheduler.Plan(experiments, {});
  clock_.Advance(minutes(1));
  std::map<std::string, RunState> runs;
  runs["checkout"].running = true;  // e.g. started by hand
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kRunning);
}

TEST_F(SchedulerTest, TheGlobalLimitStartsTheOldestSlotsFirst) {
  Scheduler scheduler = MakeScheduler(/*max_concurrent=*/2);
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("c-late", "2 * * * *"), CronExperiment("b-early", "1 * * * *"),
      CronExperiment("a-early", "1 * * * *"), CronExperiment("d-late", "2 * * * *")};
  (void)scheduler.Plan(experiments, {});
  clock_.Advance(minutes(3));
  std::map<std::string, RunState> runs;
  runs["removed-experiment"].running = true;  // still running: it counts
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  EXPECT_EQ(Started(plan), std::vector<std::string>{"a-early"});
  EXPECT_EQ(Of(plan, "b-early").state, ScheduleState::kConcurrencyLimit);
  EXPECT_EQ(Of(plan, "c-late").state, ScheduleState::kConcurrencyLimit);

  runs.clear();
  plan = scheduler.Plan(experiments, runs);
  EXPECT_EQ(Started(plan), (std::vector<std::string>{"a-early", "b-early"}));
}

TEST_F(SchedulerTest, OnlyTheLeaderStartsRuns) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "* * * * *")};
  (void)scheduler.Plan(experiments, {});
  clock_.Advance(minutes(1));
  leader_ = false;
  SchedulePlan plan = scheduler.Plan(experiments, {});
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kNotLeader);
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(1));
  leader_ = true;
  EXPECT_EQ(Started(scheduler.Plan(experiments, {})), std::vector<std::string>{"checkout"});
}

TEST_F(SchedulerTest, CronSlotsOutsideTheWindowsAreDropped) {
  Scheduler scheduler = MakeScheduler();
  Window mornings;
  mornings.start_minute = 9 * 60;
  mornings.end_minute = 10 * 60;
  std::vector<std::shared_ptr<const Experiment>> experiments = {CronExperiment(
      "checkout", "0 */4 * * *", [&](Experiment& e) { e.schedule.windows = {mornings}; })};
  SchedulePlan plan = scheduler.Plan(experiments, {});
  // 00:00 (now), 04:00 and 08:00 are outside 09:00-10:00, so is 12:00; no 4-hourly slot
  // falls inside on any day, but the walk stops: the next is reported as none.
  EXPECT_EQ(Of(plan, "checkout").state, ScheduleState::kNever);

  experiments = {CronExperiment("checkout", "30 */3 * * *",
                                [&](Experiment& e) { e.schedule.windows = {mornings}; })};
  plan = scheduler.Plan(experiments, {});
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(9) + minutes(30));
  clock_.Advance(hours(9) + minutes(30));
  EXPECT_EQ(Started(scheduler.Plan(experiments, {})), std::vector<std::string>{"checkout"});
}

TEST_F(SchedulerTest, ADueSlotWaitsNoLongerThanTheWindowIsOpen) {
  Scheduler scheduler = MakeScheduler();
  Window mornings;
  mornings.start_minute = 9 * 60;
  mornings.end_minute = 10 * 60;
  std::vector<std::shared_ptr<const Experiment>> experiments = {CronExperiment(
      "checkout", "58 9 * * *", [&](Experiment& e) { e.schedule.windows = {mornings}; })};
  (void)scheduler.Plan(experiments, {});
  clock_.Advance(hours(10) + minutes(1));  // 09:58 is within its deadline, but 10:01 is outside
  SchedulePlan plan = scheduler.Plan(experiments, {});
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(24 + 9) + minutes(58));
}

TEST_F(SchedulerTest, EveryRunsWithinJitterOfFirstSightThenEveryPeriodPlusJitter) {
  SequenceRandom random({0.5, 0.25});
  Scheduler scheduler(clock_, random, Scheduler::Options{1}, [] { return true; });
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      EveryExperiment("checkout", hours(6), minutes(20))};
  SchedulePlan plan = scheduler.Plan(experiments, {});
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(10));  // 0.5 of 20m
  // Planning again does not draw again: the slot stays put.
  clock_.Advance(minutes(9));
  plan = scheduler.Plan(experiments, {});
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(10));
  EXPECT_EQ(random.draws, 1);
  clock_.Advance(minutes(1));
  plan = scheduler.Plan(experiments, {});
  ASSERT_EQ(Started(plan), std::vector<std::string>{"checkout"});

  std::map<std::string, RunState> runs;
  runs["checkout"].last_started = clock_.Now();
  plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").next, Start() + minutes(10) + hours(6) + minutes(5));
  EXPECT_EQ(random.draws, 2);
}

TEST_F(SchedulerTest, JitterStaysBelowItsBound) {
  for (double u : {0.0, 0.999999, 1.0}) {
    SequenceRandom random({u});
    Scheduler scheduler(clock_, random, Scheduler::Options{1}, [] { return true; });
    SchedulePlan plan = scheduler.Plan({EveryExperiment("checkout", hours(1), minutes(10))}, {});
    ASSERT_TRUE(Of(plan, "checkout").next.has_value());
    const auto jitter = *Of(plan, "checkout").next - clock_.Now();
    EXPECT_GE(jitter, TimePoint::duration::zero()) << u;
    EXPECT_LT(jitter, minutes(10)) << u;
  }
}

TEST_F(SchedulerTest, EveryAfterLongDowntimeKeepsItsGridAndDropsMissedSlots) {
  SequenceRandom random({0.0});
  Scheduler scheduler(clock_, random, Scheduler::Options{1}, [] { return true; });
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      EveryExperiment("checkout", hours(1), minutes(0))};
  std::map<std::string, RunState> runs;
  runs["checkout"].last_started = Start();
  clock_.Advance(hours(5) + minutes(20));  // 01:00 .. 05:00 were missed
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(6));

  clock_.Advance(minutes(42));  // 06:02: within the deadline of the 06:00 slot
  plan = scheduler.Plan(experiments, runs);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].slot, Start() + hours(6));
}

TEST_F(SchedulerTest, AnEverySlotOutsideTheWindowsMovesToTheNextOpening) {
  SequenceRandom random({0.0});
  Scheduler scheduler(clock_, random, Scheduler::Options{1}, [] { return true; });
  Window office;
  office.days = *ParseDaysOfWeek("Mon-Fri");
  office.start_minute = 9 * 60;
  office.end_minute = 17 * 60;
  std::vector<std::shared_ptr<const Experiment>> experiments = {EveryExperiment(
      "checkout", hours(6), minutes(0), [&](Experiment& e) { e.schedule.windows = {office}; })};
  std::map<std::string, RunState> runs;
  runs["checkout"].last_started = Start() + hours(24 + 14);  // Friday 14:00
  clock_.Advance(hours(24 + 15));
  SchedulePlan plan = scheduler.Plan(experiments, runs);
  // Friday 20:00 is outside: Monday 09:00.
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(4 * 24 + 9));
}

TEST_F(SchedulerTest, ForgottenExperimentsAreSeenAfreshWhenTheyReturn) {
  Scheduler scheduler = MakeScheduler();
  std::vector<std::shared_ptr<const Experiment>> experiments = {
      CronExperiment("checkout", "*/30 * * * *")};
  (void)scheduler.Plan(experiments, {});
  clock_.Advance(minutes(31));
  (void)scheduler.Plan({}, {});  // removed by a reload
  SchedulePlan plan = scheduler.Plan(experiments, {});
  EXPECT_TRUE(plan.start.empty()) << "the 00:30 slot came before it was loaded again";
  EXPECT_EQ(Of(plan, "checkout").next, Start() + hours(1));
}

}  // namespace
}  // namespace rebound::controller::chaos
