// When a chaos run counts as recovered: never on the damaged state itself, never on a steady
// state Prometheus has not scraped since (runner.h, step 3); and the cordon blast radius.
#include <gtest/gtest.h>

#include "controller/chaos/fault.h"
#include "controller/chaos/runner.h"
#include "kube/resource.h"
#include "tests/controller/chaos/run_fixture.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RecoveryTest : public RunFixture {
 protected:
  bool HasStep(const ChaosRun& run, const std::string& part) {
    for (const RunStep& step : run.steps) {
      if (step.message.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(RecoveryTest, ScaleToZeroIsNotRecoveredByZeroReadyOfZeroWanted) {
  // The controller reports the scaled-down state (0 ready of 0 wanted: "ready"), and the steady
  // state still shows the pre-fault sample. Healing scales back at the third poll.
  sleeper_.on_sleep = [&](int n) {
    if (n == 1) SetReady("web", 0);
    if (n == 3) {
      SetSpecReplicas(3);
      SetReady("web", 3);
    }
  };
  ChaosRun run = Execute(MakeExperiment(FaultType::kScaleToZero));
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.recovery_time(), milliseconds(seconds(15)));
  EXPECT_TRUE(HasStep(run, "spec.replicas is 0, below the 3 before the fault"));
  EXPECT_FALSE(run.restored_by_chaos);
}

TEST_F(RecoveryTest, ScaleDownNeedsTheControllerToHaveSeenTheNewSpec) {
  sleeper_.on_sleep = [&](int n) {
    if (n != 2) return;
    nlohmann::json d = Get(kube::kDeployments, "shop", "web");
    d["spec"]["replicas"] = 3;
    d["metadata"]["generation"] = 2;  // not observed yet: the status is stale
    store_.Put(kube::kDeployments, d);
  };
  Experiment e = MakeExperiment(FaultType::kScaleDown);
  e.recover_within = seconds(20);
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_NE(run.reason.find("has not seen the latest change"), std::string::npos) << run.reason;
}

TEST_F(RecoveryTest, PodKillNeedsTheKilledPodGoneAndAsManyReadyPodsAsBefore) {
  // The Deployment's status never changes here (as when the controller lags): only the pods
  // tell. The replacement comes at the second poll. Monitoring never sees the fault.
  sleeper_.on_sleep = [&](int n) {
    if (n == 2) RefillPods("web", 3);
  };
  ChaosRun run = Execute(MakeExperiment(FaultType::kPodKill));
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.recovery_time(), milliseconds(seconds(10)));
  EXPECT_TRUE(HasStep(run, "2 of the 3 pods ready before the fault are ready"));
  EXPECT_FALSE(run.fault_observed_at.has_value());
  EXPECT_TRUE(HasStep(run, "warning: the fault was never visible to monitoring"));
}

TEST_F(RecoveryTest, SteadyStateMustHoldForTheSettleDelayAfterTheTargetIsBack) {
  // The workload is back at the first poll while Prometheus still has the pre-fault sample;
  // the next scrape shows the damage; it holds again from the fourth poll.
  sleeper_.on_sleep = [&](int n) {
    if (n == 1) SetSpecReplicas(3);
    if (n == 2) prometheus_.SetVector("up", std::nullopt);
    if (n == 4) prometheus_.SetVector("up", 1);
  };
  ChaosRun run = Execute(MakeExperiment(FaultType::kScaleDown));
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  ASSERT_TRUE(run.injected_at.has_value());
  EXPECT_EQ(run.fault_observed_at, *run.injected_at + seconds(10));
  EXPECT_EQ(run.recovered_at, *run.injected_at + seconds(20));
  // Confirmed over the settle delay (30 s) after the streak began.
  EXPECT_GE(clock_.Now() - *run.recovered_at, seconds(30));
  EXPECT_TRUE(HasStep(run, "the fault is visible 10s after injection"));
  EXPECT_FALSE(HasStep(run, "never visible"));
  auto stored = log_->Get(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->fault_observed_at, run.fault_observed_at);
}

TEST_F(RecoveryTest, AStreakBegunByTheDeadlineIsConfirmedAfterIt) {
  Experiment e = MakeExperiment(FaultType::kScaleDown);
  e.recover_within = seconds(20);
  sleeper_.on_sleep = [&](int n) {
    if (n == 4) SetSpecReplicas(3);  // back at the deadline poll
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.recovery_time(), milliseconds(seconds(20)));
}

TEST_F(RecoveryTest, CordonIsRecoveredOnlyWhenTheNodeIsSchedulableAgain) {
  store_.Put(kube::kNodes, Node("n2"));
  sleeper_.on_sleep = [&](int n) {
    if (n != 2) return;
    nlohmann::json node = Get(kube::kNodes, "", "n1");
    node["spec"]["unschedulable"] = false;
    store_.Put(kube::kNodes, node);
  };
  ChaosRun run = Execute(MakeExperiment(FaultType::kCordonNode));
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.recovery_time(), milliseconds(seconds(10)));
  EXPECT_TRUE(HasStep(run, "node n1 is cordoned"));
}

TEST_F(RecoveryTest, CordonNeverTakesTheLastSchedulableNode) {
  Experiment e = MakeExperiment(FaultType::kCordonNode);
  e.target = {};
  e.target.kind = TargetKind::kNode;
  e.target.name = "n1";
  const std::string refusal =
      "blast radius: cordoning node n1 would leave no schedulable Ready node "
      "(allowTotalOutage is false)";
  EXPECT_EQ(Execute(e).reason, refusal);

  nlohmann::json n2 = Node("n2");
  n2["status"]["conditions"][0]["status"] = "False";  // not Ready
  store_.Put(kube::kNodes, n2);
  EXPECT_EQ(Execute(e).reason, refusal);
  n2 = Node("n2");
  n2["spec"]["unschedulable"] = true;  // cordoned
  store_.Put(kube::kNodes, n2);
  EXPECT_EQ(Execute(e).reason, refusal);
  EXPECT_NE(Get(kube::kNodes, "", "n1")["spec"]["unschedulable"], true);

  e.allow_total_outage = true;
  sleeper_.on_sleep = [&](int) {
    nlohmann::json node = Get(kube::kNodes, "", "n1");
    node["spec"]["unschedulable"] = false;
    store_.Put(kube::kNodes, node);
  };
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
}

TEST_F(RecoveryTest, CordonNeverLeavesTheWorkloadWithoutANodeItFits) {
  nlohmann::json d = Get(kube::kDeployments, "shop", "web");
  d["spec"]["template"]["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  store_.Put(kube::kDeployments, d);
  nlohmann::json n2 = Node("n2");  // schedulable, but without the label web needs
  store_.Put(kube::kNodes, n2);
  Experiment e = MakeExperiment(FaultType::kCordonNode);
  ChaosRun run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_EQ(run.reason,
            "blast radius: cordoning node n1 would leave the workload's pods no schedulable node "
            "(allowTotalOutage is false)");

  n2["metadata"]["labels"]["disk"] = "ssd";
  n2["spec"]["taints"] = {{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}};
  store_.Put(kube::kNodes, n2);
  EXPECT_EQ(Execute(e).result, RunResult::kSkipped);  // the taint is not tolerated

  d["spec"]["template"]["spec"]["tolerations"] = {
      {{"key", "dedicated"}, {"operator", "Equal"}, {"value", "db"}}};
  // Required node affinity keeps web off n2 by name.
  d["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
   ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] = nlohmann::json::array(
       {{{"matchFields", nlohmann::json::array({{{"key", "metadata.name"},
                                                 {"operator", "NotIn"},
                                                 {"values", nlohmann::json::array({"n2"})}}})}}});
  store_.Put(kube::kDeployments, d);
  EXPECT_EQ(Execute(e).result, RunResult::kSkipped);

  d["spec"]["template"]["spec"].erase("affinity");
  store_.Put(kube::kDeployments, d);
  sleeper_.on_sleep = [&](int) {
    nlohmann::json node = Get(kube::kNodes, "", "n1");
    node["spec"]["unschedulable"] = false;
    store_.Put(kube::kNodes, node);
  };
  run = Execute(e);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
}

TEST(PodFitsNodeTest, TaintsAndTolerations) {
  const nlohmann::json node = {
      {"metadata", {{"labels", {{"zone", "a"}}}}},
      {"spec",
       {{"taints",
         {{{"key", "gpu"}, {"effect", "NoSchedule"}},
          {{"key", "spot"}, {"value", "yes"}, {"effect", "PreferNoSchedule"}}}}}}};
  EXPECT_FALSE(PodFitsNode(nlohmann::json::object(), node));
  EXPECT_TRUE(PodFitsNode({{"tolerations", {{{"key", "gpu"}, {"operator", "Exists"}}}}}, node));
  EXPECT_TRUE(PodFitsNode({{"tolerations", {{{"operator", "Exists"}}}}}, node));
  EXPECT_FALSE(PodFitsNode(
      {{"tolerations", {{{"key", "gpu"}, {"operator", "Exists"}, {"effect", "NoExecute"}}}}},
      node));
  EXPECT_FALSE(PodFitsNode(
      {{"nodeSelector", {{"zone", "b"}}}, {"tolerations", {{{"operator", "Exists"}}}}}, node));
}

}  // namespace
}  // namespace rebound::controller::chaos
