// KubesimBehaviourTest: a simulated cluster on a fake clock, loaded from a scenario and read
// back through /metrics, for the tests of simulated application behaviour.
//
// Thread-safety: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/kubesim/metric_samples.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/metrics.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/patch.h"
#include "tools/kubesim/scenario_apply.h"

namespace rebound::kubesim::testing {

class KubesimBehaviourTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::milliseconds kStartDelay{500};

  void Load(const std::string& yaml) {
    auto parsed = ParseScenario(yaml, "test.yaml");
    ASSERT_TRUE(parsed.scenario) << parsed.errors.front().ToString();
    ASSERT_TRUE(ApplyScenario(*parsed.scenario, cluster_).ok());
  }
  void Run(std::chrono::milliseconds total,
           std::chrono::milliseconds step = std::chrono::milliseconds(250)) {
    for (std::chrono::milliseconds t{0}; t < total; t += step) {
      clock_.Advance(step);
      cluster_.Tick();
    }
  }
  std::map<std::string, double> Samples(const std::string& name,
                                        const std::vector<std::string>& match = {}) {
    return testing::Samples(RenderMetrics(metrics_), name, match);
  }
  double Sum(const std::string& name, const std::vector<std::string>& match = {}) {
    return testing::SumOf(RenderMetrics(metrics_), name, match);
  }
  void Patch(Kind kind, const std::string& name, const nlohmann::json& patch,
             PatchType type = PatchType::kStrategic) {
    const ResourceType& rt = TypeOf(kind);
    nlohmann::json current = *cluster_.store().Get(rt, "shop", name);
    nlohmann::json desired = *ApplyPatch(type, current, patch);
    ASSERT_FALSE(PrepareUpdate(rt, current, desired, false, FieldValidation::kIgnore));
    ASSERT_TRUE(cluster_.store().Replace(rt, desired, ResourceVersionOf(current)).ok());
  }
  // What `kubectl rollout restart deployment/NAME -n shop` does: the same code in new pods.
  void RolloutRestart(const std::string& name, const std::string& at = "x") {
    Patch(Kind::kDeployment, name,
          {{"spec",
            {{"template",
              {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt", at}}}}}}}}}});
  }

  ::rebound::testing::FakeClock clock_;
  Cluster cluster_{clock_, {.pod_start_delay = kStartDelay, .seed = 5}};
  ApiRequestCounter requests_;
  ClusterMetrics metrics_{cluster_, requests_};
};

}  // namespace rebound::kubesim::testing
