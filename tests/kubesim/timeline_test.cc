// Traffic ramps and the scenario timeline, on a fake clock.
#include "tools/kubesim/timeline.h"

#include <gtest/gtest.h>

#include "tests/kubesim/behaviour_fixture.h"
#include "tests/kubesim/kubesim_test_util.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::KubesimBehaviourTest;
using testing::ScenarioErrors;

TEST(KubesimRampTest, OfferedLoadGrowsLinearlyFromWhenTheBehaviourIsSet) {
  Behaviour ramp;
  ramp.requests_per_second = 400;
  ramp.ramp_from = 80;
  ramp.ramp_over = std::chrono::minutes(2);
  ramp.set_at = std::chrono::steady_clock::time_point(seconds(100));
  EXPECT_EQ(OfferedRequestsPerSecond(ramp, ramp.set_at), 80);
  EXPECT_EQ(OfferedRequestsPerSecond(ramp, ramp.set_at + seconds(60)), 240);
  EXPECT_EQ(OfferedRequestsPerSecond(ramp, ramp.set_at + seconds(120)), 400);
  EXPECT_EQ(OfferedRequestsPerSecond(ramp, ramp.set_at + seconds(500)), 400);
  Behaviour flat;
  flat.requests_per_second = 30;
  EXPECT_EQ(OfferedRequestsPerSecond(flat, flat.set_at), 30);
  EXPECT_EQ(ramp.ToJson()["rampOver"], "2m");

  EXPECT_EQ(ScenarioErrors("deployments: [{name: a, behaviour: {type: healthy, rampFrom: 5}}]\n"),
            (std::vector<std::string>{"s.yaml:1:36: \"deployments[0].behaviour.rampOver\": "
                                      "rampFrom and rampOver go together"}));
  EXPECT_EQ(ScenarioErrors("deployments: [{name: a, behaviour: {type: healthy, rampFrom: -1, "
                           "rampOver: 1m}}]\n"),
            (std::vector<std::string>{"s.yaml:1:62: \"deployments[0].behaviour.rampFrom\": \"-1\" "
                                      "is not a quantity (e.g. 64Mi, 1.5Gi, 500M, 250m)"}));
}

TEST_F(KubesimBehaviourTest, RampedTrafficShowsInTheRequestCounters) {
  Load(R"(
deployments:
  - name: web
    namespace: shop
    behaviour: {type: healthy, requestsPerSecond: 100, rampFrom: 0, rampOver: 100s}
)");
  Run(seconds(100), std::chrono::milliseconds(500));
  // A ramp from 0 to 100 over 100 s offers 5000 requests (flat: 10000); each half-second step
  // counts the rate at its end, so 5025.
  double offered = Sum("http_requests_total", {"deployment=\"web\""});
  EXPECT_GE(offered, 5000);
  EXPECT_LE(offered, 5025);
}

TEST(KubesimTimelineScenarioTest, ReadsEntriesAndChecksTheirWorkloads) {
  ScenarioResult result = ParseScenario(R"(
deployments: [{name: payments, namespace: shop}]
statefulsets: [{name: db, namespace: shop}]
timeline:
  - after: 60s
    rollout: {namespace: shop, deployment: payments, image: "shop/payments:4.3.0",
              behaviour: {type: crash-loop, restartInterval: 10s}}
  - after: 30s
    behaviour: {namespace: shop, statefulset: db, behaviour: {type: overload,
                capacityPerReplica: 100, rampFrom: 80, rampOver: 2m}}
)",
                                        "s.yaml");
  ASSERT_TRUE(result.scenario) << result.errors.front().ToString();
  const std::vector<TimelineEntry>& timeline = result.scenario->timeline;
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].action, TimelineEntry::Action::kRollout);
  EXPECT_EQ(timeline[0].after, seconds(60));
  EXPECT_EQ(timeline[0].image, "shop/payments:4.3.0");
  EXPECT_EQ(timeline[0].behaviour.type, Behaviour::Type::kCrashLoop);
  EXPECT_EQ(timeline[1].workload, (WorkloadRef{Kind::kStatefulSet, "shop", "db"}));
  EXPECT_EQ(timeline[1].behaviour.ramp_from, 80);

  EXPECT_EQ(ScenarioErrors(R"(deployments: [{name: payments, namespace: shop}]
timeline:
  - after: 1m
    rollout: {namespace: shop, deployment: payment, image: x}
  - after: soon
    behaviour: {deployment: payments, behaviour: {type: healthy}}
  - {after: 1s, rollout: {namespace: shop, deployment: payments}}
  - {after: 1s, behaviour: {namespace: shop, deployment: payments, statefulset: payments}}
  - {after: 1s}
)"),
            (std::vector<std::string>{
                "s.yaml:4:32: \"timeline[0].rollout.deployment\": deployment "
                "\"shop/payment\" is not declared in the scenario",
                "s.yaml:5:12: \"timeline[1].after\": invalid duration \"soon\": expected a "
                "number (use e.g. 30s, 5m, 1h30m)",
                "s.yaml:6:17: \"timeline[1].behaviour.deployment\": deployment "
                "\"default/payments\" is not declared in the scenario",
                "s.yaml:7:26: \"timeline[2].rollout.image\" is required",
                "s.yaml:8:28: \"timeline[3].behaviour\": give exactly one of deployment and "
                "statefulset",
                "s.yaml:8:28: \"timeline[3].behaviour.behaviour\" is required",
                "s.yaml:9:5: \"timeline[4]\": give exactly one of rollout and behaviour"}));
}

class KubesimTimelineTest : public KubesimBehaviourTest {
 protected:
  json Deployment(const std::string& name) {
    return *cluster_.store().Get(TypeOf(Kind::kDeployment), "shop", name);
  }
  std::string CurrentBehaviour(const std::string& name) {
    json d = Deployment(name);
    std::string version = CodeVersion(d["spec"]["template"]["spec"]);
    return std::string(BehaviourTypeName(
        cluster_.behaviours().Get({Kind::kDeployment, "shop", name}, version).type));
  }
};

TEST_F(KubesimTimelineTest, EntriesApplyInOrderAndACrashingRolloutStalls) {
  Load(R"(
deployments:
  - {name: payments, namespace: shop, replicas: 4, image: "shop/payments:4.2.0"}
  - {name: search, namespace: shop}
timeline:
  - after: 60s
    rollout: {namespace: shop, deployment: payments, image: "shop/payments:4.3.0",
              behaviour: {type: crash-loop, restartInterval: 10s}}
  - after: 30s
    behaviour: {namespace: shop, deployment: search,
                behaviour: {type: overload, requestsPerSecond: 400, capacityPerReplica: 100}}
)");
  Run(seconds(29));
  json pending = cluster_.timeline().ToJson();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0]["after"], "30s") << "in order of after";
  EXPECT_EQ(pending[0]["applied"], false);
  EXPECT_FALSE(pending[0].contains("at"));
  EXPECT_EQ(CurrentBehaviour("search"), "healthy");

  Run(seconds(2));
  EXPECT_EQ(CurrentBehaviour("search"), "overload");
  json half = cluster_.timeline().ToJson();
  EXPECT_EQ(half[0]["applied"], true);
  EXPECT_TRUE(half[0].contains("at"));
  EXPECT_EQ(half[1]["applied"], false);

  Run(seconds(30));
  json d = Deployment("payments");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"], "shop/payments:4.3.0");
  EXPECT_EQ(CurrentBehaviour("payments"), "crash-loop");
  EXPECT_EQ(cluster_.timeline().ToJson()[1]["applied"], true);

  // The new pods never become ready: with maxSurge 1 and maxUnavailable 1 of 4, the rollout
  // stops with one old pod gone and two new ones crashing, the three others still serving.
  Run(seconds(120));
  d = Deployment("payments");
  EXPECT_EQ(d["status"]["updatedReplicas"], 2);
  EXPECT_EQ(d["status"]["readyReplicas"], 3);
  EXPECT_EQ(d["status"]["availableReplicas"], 3);
  EXPECT_EQ(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  bool complete = false;
  for (const json& condition : d["status"]["conditions"]) {
    complete |=
        condition["type"] == "Progressing" && condition["reason"] == "NewReplicaSetAvailable";
  }
  EXPECT_FALSE(complete);

  // kubectl rollout undo: back to 4.2.0, whose behaviour is healthy again.
  Patch(Kind::kDeployment, "payments",
        {{"spec",
          {{"template",
            {{"spec",
              {{"containers", {{{"name", "payments"}, {"image", "shop/payments:4.2.0"}}}}}}}}}}});
  EXPECT_EQ(CurrentBehaviour("payments"), "healthy");
  Run(seconds(10));
  d = Deployment("payments");
  EXPECT_EQ(d["status"]["readyReplicas"], 4);
  EXPECT_EQ(d["status"]["updatedReplicas"], 4);
  EXPECT_EQ(d["status"]["replicas"], 4);
}

}  // namespace
}  // namespace rebound::kubesim
