// The simulated controllers, driven by a fake clock: one Tick() is one controller pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/fakes/fake_clock.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/patch.h"
#include "tools/kubesim/scenario_apply.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kControllersStartDelay{500};

class KubesimControllersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = ParseScenario(R"(
deployments:
  - {name: web, namespace: shop, replicas: 3}
statefulsets:
  - {name: db, namespace: shop, replicas: 2}
)",
                                "test.yaml");
    ASSERT_TRUE(parsed.scenario) << parsed.errors.front().ToString();
    ASSERT_TRUE(ApplyScenario(*parsed.scenario, cluster_).ok());
  }

  std::vector<json> Pods(const std::string& prefix) {
    std::vector<json> out;
    for (json& pod : cluster_.store().ListObjects(TypeOf(Kind::kPod), "shop").items) {
      if (NameOf(pod).starts_with(prefix)) out.push_back(std::move(pod));
    }
    return out;
  }
  size_t ReadyPods(const std::string& prefix) {
    auto pods = Pods(prefix);
    return static_cast<size_t>(std::count_if(pods.begin(), pods.end(), PodReady));
  }
  json Get(Kind kind, const std::string& name) {
    return *cluster_.store().Get(TypeOf(kind), "shop", name);
  }
  // Applies a client's strategic merge patch to the Deployment "web", as the API does.
  void PatchWeb(const json& patch, PatchType type = PatchType::kStrategic) {
    const ResourceType& deployments = TypeOf(Kind::kDeployment);
    json current = Get(Kind::kDeployment, "web");
    json desired = *ApplyPatch(type, current, patch);
    ASSERT_FALSE(PrepareUpdate(deployments, current, desired, false, FieldValidation::kIgnore));
    ASSERT_TRUE(cluster_.store().Replace(deployments, desired, ResourceVersionOf(current)).ok());
  }
  // Ticks through `seconds` of simulated time in steps of the start delay.
  void Run(int steps) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kControllersStartDelay);
      cluster_.Tick();
    }
  }
  std::set<std::string> Names(const std::vector<json>& objects) {
    std::set<std::string> names;
    for (const json& o : objects) names.insert(NameOf(o));
    return names;
  }

  ::rebound::testing::FakeClock clock_;
  Cluster cluster_{clock_, {.pod_start_delay = kControllersStartDelay, .seed = 3}};
};

TEST_F(KubesimControllersTest, PodsFollowReplicasAfterTheStartDelay) {
  EXPECT_EQ(Pods("web-").size(), 3u);
  EXPECT_EQ(ReadyPods("web-"), 0u) << "pods wait for the start delay";
  EXPECT_EQ(IntAt(Get(Kind::kDeployment, "web"), "/status/readyReplicas", -1), 0);
  clock_.Advance(kControllersStartDelay - milliseconds(1));
  cluster_.Tick();
  EXPECT_EQ(ReadyPods("web-"), 0u);
  Run(1);
  EXPECT_EQ(ReadyPods("web-"), 3u);
  json d = Get(Kind::kDeployment, "web");
  EXPECT_EQ(IntAt(d, "/status/readyReplicas", 0), 3);
  EXPECT_EQ(IntAt(d, "/status/availableReplicas", 0), 3);
  EXPECT_EQ(IntAt(d, "/status/updatedReplicas", 0), 3);
  EXPECT_EQ(IntAt(d, "/status/observedGeneration", 0), 1);
  EXPECT_EQ(StringAt(Pods("web-")[0], "/spec/nodeName"), "node-1");
  EXPECT_EQ(StringAt(Pods("web-")[0], "/status/phase"), "Running");

  PatchWeb({{"spec", {{"replicas", 5}}}});
  cluster_.Tick();
  EXPECT_EQ(Pods("web-").size(), 5u);
  Run(1);
  EXPECT_EQ(IntAt(Get(Kind::kDeployment, "web"), "/status/readyReplicas", 0), 5);
  EXPECT_EQ(IntAt(Get(Kind::kDeployment, "web"), "/status/observedGeneration", 0), 2);
  PatchWeb({{"spec", {{"replicas", 1}}}});
  cluster_.Tick();
  EXPECT_EQ(Pods("web-").size(), 1u);
}

TEST_F(KubesimControllersTest, DeletedPodsAreReplaced) {
  Run(1);
  std::vector<json> before = Pods("web-");
  ASSERT_TRUE(cluster_.store().Delete(TypeOf(Kind::kPod), "shop", NameOf(before[0])).ok());
  cluster_.Tick();
  std::vector<json> after = Pods("web-");
  EXPECT_EQ(after.size(), 3u);
  EXPECT_FALSE(Names(after).contains(NameOf(before[0])));
  Run(1);
  EXPECT_EQ(ReadyPods("web-"), 3u);

  ASSERT_TRUE(cluster_.store().Delete(TypeOf(Kind::kPod), "shop", "db-1").ok());
  Run(2);
  EXPECT_EQ(Names(Pods("db-")), (std::set<std::string>{"db-0", "db-1"}))
      << "a StatefulSet pod comes back under the same name";
}

TEST_F(KubesimControllersTest, RolloutRestartReplacesEveryPodThroughANewReplicaSet) {
  Run(1);
  std::set<std::string> original = Names(Pods("web-"));
  PatchWeb({{"spec",
             {{"template",
               {{"metadata",
                 {{"annotations",
                   {{"kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:01Z"}}}}}}}}}});
  Run(12);
  std::set<std::string> now = Names(Pods("web-"));
  EXPECT_EQ(now.size(), 3u);
  for (const std::string& name : now) EXPECT_FALSE(original.contains(name)) << name;
  EXPECT_EQ(ReadyPods("web-"), 3u);
  std::vector<json> replicasets =
      cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items;
  ASSERT_EQ(replicasets.size(), 2u);
  std::map<std::string, int64_t> replicas_by_revision;
  for (const json& rs : replicasets) {
    replicas_by_revision[StringMapAt(rs,
                                     "/metadata/annotations")[std::string(kRevisionAnnotation)]] =
        IntAt(rs, "/spec/replicas", -1);
  }
  EXPECT_EQ(replicas_by_revision, (std::map<std::string, int64_t>{{"1", 0}, {"2", 3}}));
  json d = Get(Kind::kDeployment, "web");
  EXPECT_EQ(StringMapAt(d, "/metadata/annotations")[std::string(kRevisionAnnotation)], "2");
  EXPECT_EQ(IntAt(d, "/status/updatedReplicas", 0), 3);
}

TEST_F(KubesimControllersTest, RollingUpdateKeepsReadyPodsWhileTheNewOnesStart) {
  Run(1);
  PatchWeb({{"spec",
             {{"template", {{"spec", {{"containers", {{{"name", "web"}, {"image", "v2"}}}}}}}}}}});
  cluster_.Tick();
  // maxSurge 25% of 3 rounds up to 1, maxUnavailable rounds down to 0: one extra pod, no
  // ready pod removed until the new one is ready.
  EXPECT_EQ(Pods("web-").size(), 4u);
  EXPECT_EQ(ReadyPods("web-"), 3u);
}

TEST_F(KubesimControllersTest, RollbackReusesThePreviousReplicaSet) {
  Run(1);
  json original_template = Get(Kind::kDeployment, "web")["spec"]["template"];
  PatchWeb({{"spec",
             {{"template", {{"spec", {{"containers", {{{"name", "web"}, {"image", "v2"}}}}}}}}}}});
  Run(12);
  std::string old_rs;
  for (const json& rs : cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items) {
    if (IntAt(rs, "/spec/replicas", 0) == 0) old_rs = NameOf(rs);
  }
  ASSERT_FALSE(old_rs.empty());
  // What `kubectl rollout undo` sends: the old template back, as a JSON patch.
  PatchWeb(
      json::array({{{"op", "replace"}, {"path", "/spec/template"}, {"value", original_template}}}),
      PatchType::kJson);
  Run(12);
  json rs = Get(Kind::kReplicaSet, old_rs);
  EXPECT_EQ(IntAt(rs, "/spec/replicas", 0), 3);
  EXPECT_EQ(StringMapAt(rs, "/metadata/annotations")[std::string(kRevisionAnnotation)], "3");
  for (const json& pod : Pods("web-")) EXPECT_TRUE(NameOf(pod).starts_with(old_rs)) << NameOf(pod);
  EXPECT_EQ(cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items.size(), 2u);
}

TEST_F(KubesimControllersTest, StatefulSetPodsHaveOrdinalNamesAndStartInOrder) {
  std::vector<json> first = Pods("db-");
  ASSERT_EQ(first.size(), 1u) << "OrderedReady creates db-1 only once db-0 is ready";
  EXPECT_EQ(NameOf(first[0]), "db-0");
  Run(3);
  EXPECT_EQ(Names(Pods("db-")), (std::set<std::string>{"db-0", "db-1"}));
  EXPECT_EQ(IntAt(Get(Kind::kStatefulSet, "db"), "/status/readyReplicas", 0), 2);
  json pod = Get(Kind::kPod, "db-1");
  EXPECT_EQ(StringMapAt(pod, "/metadata/labels")["statefulset.kubernetes.io/pod-name"], "db-1");
}

TEST_F(KubesimControllersTest, CordonedNodesGetNoNewPods) {
  json node = *cluster_.store().Get(TypeOf(Kind::kNode), "", "node-1");
  node["spec"]["unschedulable"] = true;
  ASSERT_TRUE(cluster_.store().Replace(TypeOf(Kind::kNode), node, 0).ok());
  Run(2);
  EXPECT_EQ(ReadyPods("web-"), 0u);
  json pending = Pods("web-")[0];
  EXPECT_EQ(StringAt(pending, "/status/phase"), "Pending");
  ASSERT_TRUE(pending["status"]["conditions"].is_array());
  EXPECT_EQ(pending["status"]["conditions"][0]["reason"], "Unschedulable");
}

TEST_F(KubesimControllersTest, DeletingADeploymentCollectsItsReplicaSetsAndPods) {
  Run(1);
  ASSERT_TRUE(cluster_.store().Delete(TypeOf(Kind::kDeployment), "shop", "web").ok());
  cluster_.Tick();
  EXPECT_TRUE(Pods("web-").empty());
  EXPECT_TRUE(cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items.empty());
}

TEST_F(KubesimControllersTest, ControllersRecordEvents) {
  Run(1);
  std::set<std::string> reasons;
  for (const json& event : cluster_.store().ListObjects(TypeOf(Kind::kEvent), "shop").items) {
    reasons.insert(StringAt(event, "/reason"));
  }
  for (const char* reason : {"ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Started"}) {
    EXPECT_TRUE(reasons.contains(reason)) << reason;
  }
}

}  // namespace
}  // namespace rebound::kubesim
