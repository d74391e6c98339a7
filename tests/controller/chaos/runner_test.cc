#include "controller/chaos/runner.h"

#include <gtest/gtest.h>

#include "controller/chaos/fault.h"
#include "kube/resource.h"
#include "tests/controller/chaos/run_fixture.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::seconds;

class RunnerTest : public RunFixture {
 protected:
  // After the first wait: the workload is down and the steady state broken.
  void BreakOnFirstWait(int ready) {
    sleeper_.on_sleep = [this, ready](int n) {
      if (n != 1) return;
      SetReady("web", ready);
      prometheus_.SetVector("up", std::nullopt);
    };
  }
  int Replicas() { return Get(kube::kDeployments, "shop", "web")["spec"]["replicas"]; }
};

TEST_F(RunnerTest, PodKillHealedByTheExpectedPlaybookIsRecovered) {
  Experiment e = MakeExperiment(FaultType::kPodKill);
  e.expect_healing = "restore-web";
  sleeper_.on_sleep = [&](int n) {
    if (n == 1) Heal("restore-web", "Deployment shop/web");
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  ASSERT_TRUE(run.fault.has_value());
  ASSERT_EQ(run.fault->pods.size(), 1u);
  EXPECT_FALSE(store_.Find(kube::kPods, "shop", run.fault->pods[0].name).has_value());
  EXPECT_EQ(store_.Count(kube::kPods), 2u);
  EXPECT_EQ(run.recovery_time(), std::chrono::milliseconds(seconds(5)));
  EXPECT_FALSE(run.restored_by_chaos);
  auto stored = log_->Get(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->result, RunResult::kRecovered);
  auto proofs = log_->LastProofs();
  ASSERT_TRUE(proofs.ok());
  ASSERT_EQ(proofs->count("restore-web"), 1u);
  EXPECT_EQ(proofs->at("restore-web").recovery, seconds(5));
  ASSERT_EQ(observer_.finished.size(), 1u);
  EXPECT_EQ(observer_.phases,
            (std::vector<RunPhase>{RunPhase::kInject, RunPhase::kWatch, RunPhase::kAttribute}));
}

TEST_F(RunnerTest, RecoveryWithoutThePlaybookFails) {
  Experiment e = MakeExperiment(FaultType::kPodKill);
  e.expect_healing = "restore-web";
  // Another playbook on the target, and the playbook on another target, do not count.
  sleeper_.on_sleep = [&](int) {
    Heal("other", "Deployment shop/web");
    Heal("restore-web", "Deployment shop/api");
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_EQ(run.reason, "recovered without the playbook restore-web");
  EXPECT_TRUE(log_->LastProofs()->empty());
}

TEST_F(RunnerTest, WithoutExpectHealingKubernetesAloneRecovers) {
  Experiment e = MakeExperiment(FaultType::kPodKill);
  BreakOnFirstWait(2);
  sleeper_.on_sleep = [&, broken = sleeper_.on_sleep](int n) {
    broken(n);
    if (n == 3) {  // the ReplicaSet replaced the pod
      SetReady("web", 3);
      prometheus_.SetVector("up", 1);
    }
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.recovery_time(), std::chrono::milliseconds(seconds(15)));
}

TEST_F(RunnerTest, NotRecoveredByTheDeadlineFailsAndChaosRestoresReplicas) {
  BreakOnFirstWait(0);
  ChaosRun run = Execute(MakeExperiment(FaultType::kScaleToZero));
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_EQ(run.reason.rfind("not recovered within 1m", 0), 0u) << run.reason;
  EXPECT_TRUE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 3);
  EXPECT_EQ(run.fault->previous_replicas, 3);
  EXPECT_EQ(run.fault->set_replicas, 0);
  EXPECT_EQ(clock_.Now() - *run.injected_at, std::chrono::minutes(1));
}

TEST_F(RunnerTest, RestoreLeavesReplicasSomeoneElseChanged) {
  sleeper_.on_sleep = [&](int n) {
    if (n != 1) return;
    nlohmann::json d = Get(kube::kDeployments, "shop", "web");
    d["spec"]["replicas"] = 5;  // healing (or a person) set it since
    store_.Put(kube::kDeployments, d);
    SetReady("web", 1);
  };
  ChaosRun run = Execute(MakeExperiment(FaultType::kScaleDown));
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_FALSE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 5);
}

TEST_F(RunnerTest, LabelRemovedBetweenPreflightAndInjectionSkipsTheRun) {
  // The remediation check runs once in pre-flight (label present) and again right before the
  // fault: remove the label in between.
  int checks = 0;
  RunnerDeps deps = Deps();
  deps.remediation_active = [&](const std::string&) {
    if (++checks == 1) {
      store_.Put(kube::kDeployments, Deployment("web", 3, /*labelled=*/false));
    }
    return false;
  };
  Experiment e = MakeExperiment(FaultType::kScaleDown);
  ChaosRun run;
  run.experiment = e.name;
  run.started_at = clock_.Now();
  run.id = *log_->Begin(run);
  run = Runner(deps, options_).Execute(run, e, {});
  EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_EQ(run.reason, "not labelled rebound.io/chaos=enabled (re-checked before injection)");
  EXPECT_EQ(Replicas(), 3);
  EXPECT_FALSE(run.injected_at.has_value());
}

TEST_F(RunnerTest, PreflightRefusals) {
  const auto before = store_.Snapshot();
  Experiment e = MakeExperiment(FaultType::kPodKill);

  e.target.ns = "kube-system";
  EXPECT_EQ(Execute(e).reason,
            "namespace kube-system is protected (guardrails.protected_namespaces)");
  e = MakeExperiment(FaultType::kPodKill);

  remediating_ = "Deployment shop/web";
  EXPECT_EQ(Execute(e).reason, "Deployment web: a remediation is in progress on it");
  remediating_.clear();

  alerts_.Set({{{"alertname", "Down"}, {"severity", "critical"}}});
  e.abort_if_firing = {*common::Matchers::Parse("severity=\"critical\"")};
  EXPECT_EQ(Execute(e).reason, "alert firing: {alertname=\"Down\", severity=\"critical\"}");
  alerts_.Set({});

  prometheus_.SetVector("up", std::nullopt);
  EXPECT_EQ(Execute(e).reason, "steady state does not hold: up");
  prometheus_.SetVector("up", 1);

  paused_ = true;
  EXPECT_EQ(Execute(e).reason, "the kill switch is on");
  paused_ = false;

  store_.Put(kube::kDeployments, Deployment("web", 3, /*labelled=*/false));
  EXPECT_EQ(Execute(e).reason, "Deployment web: not labelled rebound.io/chaos=enabled");

  for (const ChaosRun& run : observer_.finished) EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_EQ(observer_.finished.size(), 6u);
  // Nothing changed but the label this test removed.
  EXPECT_EQ(store_.Count(kube::kPods), 3u);
  EXPECT_EQ(before.size(), store_.Snapshot().size());
}

TEST_F(RunnerTest, BlastRadiusNeverTakesTheLastReadyPod) {
  store_.Put(kube::kDeployments, Deployment("web", 1));
  for (const char* pod : {"web-b", "web-c"}) {
    nlohmann::json p = Pod(pod, "web");
    p["status"]["conditions"][0]["status"] = "False";
    store_.Put(kube::kPods, p);
  }
  Experiment e = MakeExperiment(FaultType::kPodKill);
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_EQ(run.reason, "blast radius: would leave no ready pod of 1 (allowTotalOutage is false)");
  EXPECT_EQ(store_.Count(kube::kPods), 3u);

  e.allow_total_outage = true;
  run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  ASSERT_EQ(run.fault->pods.size(), 1u);
  EXPECT_EQ(run.fault->pods[0].name, "web-a");
  EXPECT_FALSE(run.fault->pods[0].uid.empty());
}

TEST_F(RunnerTest, PodChoiceIsReproducibleFromTheRecordedSeed) {
  Experiment e = MakeExperiment(FaultType::kPodKill);
  e.fault.count.reset();
  e.fault.percent = 50;  // of 3 ready pods, rounded up: 2
  ChaosRun run = Execute(e);
  ASSERT_TRUE(run.fault.has_value());
  ASSERT_EQ(run.fault->count, 2);
  const std::vector<std::string> ready = {"web-a", "web-b", "web-c"};
  std::vector<std::string> again;
  for (size_t i : SeededSample(ready.size(), 2, run.fault->seed)) again.push_back(ready[i]);
  std::vector<std::string> chosen;
  for (const ChosenPod& pod : run.fault->pods) chosen.push_back(pod.name);
  EXPECT_EQ(chosen, again);
  // The stored run carries the same seed (a decimal string in JSON).
  EXPECT_EQ(log_->Get(run.id)->fault->seed, run.fault->seed);
}

TEST_F(RunnerTest, DryRunRecordsTheChoiceAndChangesNothing) {
  const auto before = store_.Snapshot();
  Experiment e = MakeExperiment(FaultType::kScaleToZero);
  e.dry_run = true;
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_EQ(run.reason, "dry run: nothing was injected");
  EXPECT_TRUE(run.dry_run);
  EXPECT_EQ(run.fault->set_replicas, 0);
  EXPECT_EQ(store_.Snapshot(), before);
}

TEST_F(RunnerTest, AlertFiringDuringTheRunAbortsAndUndoesTheFault) {
  Experiment e = MakeExperiment(FaultType::kScaleDown);
  e.abort_if_firing = {*common::Matchers::Parse("severity=\"critical\"")};
  BreakOnFirstWait(2);
  sleeper_.on_sleep = [&, broken = sleeper_.on_sleep](int n) {
    broken(n);
    if (n == 2) alerts_.Set({{{"alertname", "Down"}, {"severity", "critical"}}});
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kAborted);
  EXPECT_EQ(run.reason, "alert firing: {alertname=\"Down\", severity=\"critical\"}");
  EXPECT_TRUE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 3);
}

TEST_F(RunnerTest, KillSwitchDuringTheRunAbortsAndUncordons) {
  Experiment e = MakeExperiment(FaultType::kCordonNode);
  BreakOnFirstWait(2);
  sleeper_.on_sleep = [&, broken = sleeper_.on_sleep](int n) {
    broken(n);
    if (n == 1) {
      EXPECT_EQ(Get(kube::kNodes, "", "n1")["spec"]["unschedulable"], true);
    }
    if (n == 2) paused_ = true;
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kAborted);
  EXPECT_EQ(run.reason, "the kill switch went on");
  EXPECT_EQ(run.fault->node, "n1");
  EXPECT_TRUE(run.restored_by_chaos);
  EXPECT_EQ(Get(kube::kNodes, "", "n1")["spec"]["unschedulable"], false);
}

TEST_F(RunnerTest, UnfinishedRunFromBeforeARestartIsRestoredAndClosed) {
  // A previous process scaled web to 1 and died while watching.
  ChaosRun run;
  run.experiment = "web-scale-down";
  run.started_at = clock_.Now();
  run.phase = RunPhase::kWatch;
  run.target = {TargetKind::kDeployment, "shop", "web"};
  FaultChoice fault;
  fault.type = FaultType::kScaleDown;
  fault.count = 2;
  fault.previous_replicas = 3;
  fault.set_replicas = 1;
  run.fault = fault;
  run.injected_at = clock_.Now();
  run.id = *log_->Begin(run);
  nlohmann::json d = Get(kube::kDeployments, "shop", "web");
  d["spec"]["replicas"] = 1;
  store_.Put(kube::kDeployments, d);

  Runner runner(Deps(), options_);
  auto closed = runner.CloseUnfinished();
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 1u);
  EXPECT_EQ(Replicas(), 3);
  auto stored = log_->Get(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->result, RunResult::kAborted);
  EXPECT_EQ(stored->reason, "interrupted by a restart");
  EXPECT_TRUE(stored->restored_by_chaos);
  EXPECT_TRUE(log_->Unfinished()->empty());
  EXPECT_EQ(*runner.CloseUnfinished(), 0u);
}

TEST_F(RunnerTest, LeastRecentlyProvenPicksNeverProvenThenOldest) {
  for (const char* name : {"api", "cart"}) {
    store_.Put(kube::kDeployments, Deployment(name, 3));
    store_.Put(kube::kPods, Pod(std::string(name) + "-a", name));
    store_.Put(kube::kPods, Pod(std::string(name) + "-b", name));
  }
  Experiment e = MakeExperiment(FaultType::kPodKill);
  e.target.name.clear();
  e.target.selector = "rebound.io/chaos=enabled";
  e.target.selector_json = {{"matchLabels", {{"rebound.io/chaos", "enabled"}}}};
  e.target.pick = Pick::kLeastRecentlyProven;
  std::vector<std::string> picked;
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::hours(1));
    picked.push_back(Execute(e).target.name);
  }
  // api, cart, web never proven (name order); then api, proven longest ago.
  EXPECT_EQ(picked, (std::vector<std::string>{"api", "cart", "web", "api"}));
}

TEST_F(RunnerTest, FaultAmountRoundsPercentUp) {
  Fault f;
  f.percent = 30;
  EXPECT_EQ(FaultAmount(f, 3), 1);
  EXPECT_EQ(FaultAmount(f, 4), 2);
  EXPECT_EQ(FaultAmount(f, 0), 0);
  f.percent.reset();
  f.count = 5;
  EXPECT_EQ(FaultAmount(f, 3), 3);
  EXPECT_EQ(SeededSample(5, 3, 42), SeededSample(5, 3, 42));
  EXPECT_NE(SeededSample(50, 5, 1), SeededSample(50, 5, 2));
}

}  // namespace
}  // namespace rebound::controller::chaos
