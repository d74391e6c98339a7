// The shipped experiment restore-replicas-scale-down (playbooks/restore-replicas.yaml), loaded
// from the file and run end to end on a fake cluster: it halves the Deployment that opted in
// to scale-downs, and is recovered only when restore-replicas scales it back.
#include <gtest/gtest.h>

#include <string>

#include "controller/actions/action.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/playbook/playbook_loader.h"
#include "kube/resource.h"
#include "tests/controller/chaos/run_fixture.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class ShippedScaleDownTest : public RunFixture {
 protected:
  void SetUp() override {
    actions::ActionRegistry registry;
    actions::RegisterBuiltinActions(registry);
    playbook::LoadedPlaybooks loaded = playbook::LoadPlaybooks(
        {std::string(REBOUND_SOURCE_DIR) + "/playbooks/restore-replicas.yaml"}, "", registry);
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().ToString();
    LoadedExperiments experiments = LoadExperiments(loaded.set);
    ASSERT_TRUE(experiments.errors.empty()) << experiments.errors.front().ToString();
    for (const auto& e : experiments.experiments) {
      if (e->name == "restore-replicas-scale-down") experiment_ = *e;
    }
    ASSERT_EQ(experiment_.name, "restore-replicas-scale-down");
    ASSERT_EQ(experiment_.steady_state.size(), 2u);

    // web opted in to scale-downs; idle only to chaos in general (listed first, by name, it
    // would be picked if the selector let it).
    nlohmann::json web = Deployment("web", 3);
    web["metadata"]["labels"]["rebound.io/chaos-scale-down"] = "enabled";
    store_.Put(kube::kDeployments, web);
    store_.Put(kube::kDeployments, Deployment("aaa-idle", 3));
    // Monday 2026-01-05 13:30 UTC: the experiment's schedule, inside its window.
    clock_.Advance(hours(4 * 24) + hours(13) + minutes(30));
    prometheus_.SetVector(ReplicasQuery(), 1);
    prometheus_.SetVector(ErrorsQuery(), 0.001);
  }

  const std::string& ReplicasQuery() const { return experiment_.steady_state[0]; }
  const std::string& ErrorsQuery() const { return experiment_.steady_state[1]; }
  // The cut is felt: 1 replica for the load of 3 fails more than 5% of the requests.
  void FeelTheCut() {
    SetReady("web", 1);
    prometheus_.SetVector(ErrorsQuery(), std::nullopt);
  }

  Experiment experiment_;
};

TEST_F(ShippedScaleDownTest, RecoveredWhenRestoreReplicasScalesBack) {
  sleeper_.on_sleep = [&](int n) {
    if (n == 1) FeelTheCut();
    if (n == 3) {  // KubeDeploymentScaledDown fired; restore-replicas scales back to 3
      Heal("restore-replicas", "Deployment shop/web");
      SetSpecReplicas(3);
      SetReady("web", 3);
    }
    if (n == 4) prometheus_.SetVector(ErrorsQuery(), 0.002);
  };
  ChaosRun run = Execute(experiment_);
  EXPECT_EQ(run.result, RunResult::kRecovered) << run.reason;
  EXPECT_EQ(run.target.ToString(), "Deployment shop/web");
  ASSERT_TRUE(run.fault.has_value());
  EXPECT_EQ(run.fault->type, FaultType::kScaleDown);
  EXPECT_EQ(run.fault->count, 2);  // 50% of 3, rounded up
  EXPECT_EQ(run.fault->previous_replicas, 3);
  EXPECT_EQ(run.fault->set_replicas, 1);
  EXPECT_TRUE(run.fault_observed_at.has_value());
  EXPECT_FALSE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 3);
  EXPECT_EQ(Get(kube::kDeployments, "shop", "aaa-idle")["spec"]["replicas"], 3);
}

TEST_F(ShippedScaleDownTest, FailedAndUndoneByChaosWithoutThePlaybook) {
  sleeper_.on_sleep = [&](int n) {
    if (n == 1) FeelTheCut();  // and nothing heals it
  };
  ChaosRun run = Execute(experiment_);
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_EQ(run.reason.rfind("not recovered within 20m", 0), 0u) << run.reason;
  EXPECT_TRUE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 3);
}

TEST_F(ShippedScaleDownTest, ANamespaceWithoutTrafficIsSkipped) {
  prometheus_.SetVector(ErrorsQuery(), std::nullopt);  // no request series: no answer
  ChaosRun run = Execute(experiment_);
  EXPECT_EQ(run.result, RunResult::kSkipped);
  EXPECT_NE(run.reason.find("steady state"), std::string::npos) << run.reason;
  EXPECT_FALSE(run.injected_at.has_value());
  EXPECT_EQ(Replicas(), 3);
}

}  // namespace
}  // namespace rebound::controller::chaos
