#include "controller/chaos/engine.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kube/resource.h"
#include "tests/controller/chaos/run_fixture.h"

namespace rebound::controller::chaos {
namespace {

class EngineTest : public RunFixture {
 protected:
  std::unique_ptr<ChaosEngine> MakeEngine(std::vector<Experiment> experiments,
                                          int max_concurrent = 1) {
    std::vector<std::shared_ptr<const Experiment>> shared;
    for (Experiment& e : experiments) shared.push_back(std::make_shared<Experiment>(e));
    ChaosEngine::Options options;
    options.max_concurrent = max_concurrent;
    options.runner = options_;
    auto engine = std::make_unique<ChaosEngine>(Deps(), options, std::move(shared));
    EXPECT_TRUE(engine->Start().ok());
    return engine;
  }
};

TEST_F(EngineTest, TriggerRefusesUnknownRunningAndPaused) {
  // Every wait holds until the run is stopped: the run stays in its watch.
  sleeper_.inner.HoldUntilStopped(std::chrono::seconds(30));
  auto engine = MakeEngine({MakeExperiment(FaultType::kScaleDown)});
  EXPECT_EQ(engine->Trigger("nope").outcome, TriggerOutcome::kUnknownExperiment);

  TriggerResult first = engine->Trigger("web-scale-down");
  ASSERT_EQ(first.outcome, TriggerOutcome::kStarted) << first.message;
  ASSERT_TRUE(sleeper_.inner.WaitForSleeps(1, std::chrono::seconds(10)));
  TriggerResult second = engine->Trigger("web-scale-down");
  EXPECT_EQ(second.outcome, TriggerOutcome::kAlreadyRunning);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_TRUE(engine->RunActiveOn("Deployment shop/web"));
  EXPECT_FALSE(engine->RunActiveOn("Deployment shop/api"));
  ASSERT_EQ(engine->Active().size(), 1u);
  EXPECT_EQ(engine->Active()[0].phase, RunPhase::kWatch);
  EXPECT_EQ(Get(kube::kDeployments, "shop", "web")["spec"]["replicas"], 2);

  // Stopping aborts the run and undoes its fault.
  engine->Stop();
  auto run = log_->Get(first.run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->result, RunResult::kAborted);
  EXPECT_EQ(run->reason, "the daemon is stopping");
  EXPECT_EQ(Get(kube::kDeployments, "shop", "web")["spec"]["replicas"], 3);
  EXPECT_FALSE(engine->RunActiveOn("Deployment shop/web"));

  auto paused_engine = MakeEngine({MakeExperiment(FaultType::kScaleDown)});
  paused_ = true;
  EXPECT_EQ(paused_engine->Trigger("web-scale-down").outcome, TriggerOutcome::kPaused);
  EXPECT_EQ(TriggerOutcomeName(TriggerOutcome::kPaused), "paused");
}

TEST_F(EngineTest, GlobalConcurrencySkipsAManualRunBeyondTheLimit) {
  sleeper_.inner.HoldUntilStopped(std::chrono::seconds(30));
  Experiment other = MakeExperiment(FaultType::kPodKill);
  auto engine = MakeEngine({MakeExperiment(FaultType::kScaleDown), other});
  ASSERT_EQ(engine->Trigger("web-scale-down").outcome, TriggerOutcome::kStarted);
  TriggerResult second = engine->Trigger("web-pod-kill");
  ASSERT_EQ(second.outcome, TriggerOutcome::kStarted);
  auto run = log_->Get(second.run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->result, RunResult::kSkipped);
  EXPECT_EQ(run->reason, "chaos.max_concurrent runs are active");
  EXPECT_EQ(store_.Count(kube::kPods), 3u);
  engine->Stop();
}

TEST_F(EngineTest, TickStartsDueRunsOncePerSlotWithinTheLimit) {
  Experiment a = MakeExperiment(FaultType::kPodKill);
  a.schedule.every = std::chrono::hours(1);
  Experiment b = MakeExperiment(FaultType::kPodKill);
  b.name = "web-pod-kill-2";
  b.schedule.every = std::chrono::hours(1);
  sleeper_.on_sleep = [&](int) { RefillPods("web", 3); };
  auto engine = MakeEngine({a, b});
  SchedulePlan plan = engine->Tick();
  ASSERT_EQ(plan.start.size(), 1u);  // max_concurrent 1: the other waits
  engine->WaitIdle();
  plan = engine->Tick();
  ASSERT_EQ(plan.start.size(), 1u);
  engine->WaitIdle();
  EXPECT_TRUE(engine->Tick().start.empty());  // both ran for this slot
  auto runs = log_->Recent(10, "");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_NE((*runs)[0].experiment, (*runs)[1].experiment);
  for (const ChaosRun& run : *runs) {
    EXPECT_EQ(run.trigger, RunTrigger::kScheduled);
    EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  }
  // A restarted engine reads the last starts back and does not start them again.
  engine.reset();
  auto restarted = MakeEngine({a, b});
  EXPECT_TRUE(restarted->Tick().start.empty());
}

}  // namespace
}  // namespace rebound::controller::chaos

namespace rebound::controller::chaos {
namespace {

// The daemon's observer may call back into the engine from a run's thread.
class TickingObserver final : public RunObserver {
 public:
  void OnPhase(const ChaosRun&) override {}
  void OnRestored(const ChaosRun&) override {}
  void OnFinished(const ChaosRun&) override {
    if (engine != nullptr) engine->Tick();
    ++finished;
  }
  ChaosEngine* engine = nullptr;
  std::atomic<int> finished{0};
};

TEST_F(EngineTest, ObserverMayTickFromARunsThread) {
  TickingObserver observer;
  RunnerDeps deps = Deps();
  RunnerDeps ticking{deps.clock,      deps.sleeper, deps.random,    deps.kube,
                     deps.prometheus, deps.alerts,  deps.log,       deps.heal_log,
                     observer,        deps.paused,  deps.is_leader, deps.remediation_active};
  ChaosEngine engine(ticking, {},
                     {std::make_shared<Experiment>(MakeExperiment(FaultType::kPodKill))});
  ASSERT_TRUE(engine.Start().ok());
  observer.engine = &engine;
  ASSERT_EQ(engine.Trigger("web-pod-kill").outcome, TriggerOutcome::kStarted);
  engine.WaitIdle();
  ASSERT_EQ(engine.Trigger("web-pod-kill").outcome, TriggerOutcome::kStarted);  // reaps the first
  engine.Stop();
  EXPECT_EQ(observer.finished, 2);
}

}  // namespace
}  // namespace rebound::controller::chaos
