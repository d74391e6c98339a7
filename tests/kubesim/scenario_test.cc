#include "tools/kubesim/scenario.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/kubesim/kubesim_test_util.h"
#include "tests/support/process.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/scenario_apply.h"

namespace rebound::kubesim {
namespace {

using testing::ScenarioErrors;
TEST(KubesimScenarioTest, ReadsEverySection) {
  ScenarioResult result = ParseScenario(R"(
namespaces: [shop, payments]
nodes:
  - {name: node-a, unschedulable: true, labels: {zone: a}, memory: 8Gi}
  - {name: node-b, ready: false}
deployments:
  - name: checkout
    namespace: shop
    replicas: 3
    labels: {app: checkout, rebound.io/chaos: enabled}
    image: shop/checkout:1.4.2
    memoryLimit: 256Mi
    behaviour: {type: memory-leak, leakPerSecond: 2Mi}
  - name: api
    revisions:
      - {image: api:1}
      - {image: api:2, behaviour: {type: crash-loop, restartInterval: 5s}}
statefulsets:
  - {name: db, namespace: payments, podManagementPolicy: Parallel}
podDisruptionBudgets:
  - {name: checkout, namespace: shop, maxUnavailable: "50%", selector: {app: checkout}}
faults:
  - {verb: patch, resource: deployments/scale, type: throttle, count: 2, retryAfterSeconds: 2}
)",
                                        "s.yaml");
  ASSERT_TRUE(result.scenario) << result.errors.front().ToString();
  const Scenario& s = *result.scenario;
  EXPECT_EQ(s.namespaces, (std::vector<std::string>{"shop", "payments"}));
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_TRUE(s.nodes[0].unschedulable);
  EXPECT_FALSE(s.nodes[1].ready);
  ASSERT_EQ(s.workloads.size(), 3u);
  const WorkloadSpec& checkout = s.workloads[0];
  EXPECT_EQ(checkout.replicas, 3);
  EXPECT_EQ(checkout.labels.at("rebound.io/chaos"), "enabled");
  EXPECT_EQ(checkout.revisions.back().behaviour.type, Behaviour::Type::kMemoryLeak);
  EXPECT_EQ(checkout.revisions.back().behaviour.leak_bytes_per_second, 2 * 1024 * 1024);
  const WorkloadSpec& api = s.workloads[1];
  EXPECT_EQ(api.ns, "default");
  EXPECT_EQ(api.labels.at("app"), "api");
  ASSERT_EQ(api.revisions.size(), 2u);
  EXPECT_EQ(api.revisions[1].behaviour.restart_interval, std::chrono::seconds(5));
  EXPECT_EQ(s.workloads[2].kind, Kind::kStatefulSet);
  EXPECT_EQ(s.pdbs[0].max_unavailable, "50%");
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].type, FaultSpec::Type::kThrottle);
}

TEST(KubesimScenarioTest, ErrorsCarryFileLineAndColumn) {
  EXPECT_EQ(ScenarioErrors("deployment:\n  - name: x\n"),
            (std::vector<std::string>{
                "s.yaml:1:1: unknown key \"deployment\" (did you mean \"deployments\"?)"}));
  std::vector<std::string> errors = ScenarioErrors(R"(deployments:
  - name: web
    replicas: many
    behaviour: {type: memory-leek}
  - name: Bad_Name
    image: x
    revisions: [{image: a}]
  - replicas: 1
statefulsets:
  - {name: db, behaviour: {type: overload}}
nodes: [{name: n, memory: lots}]
)");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "s.yaml:3:15: \"deployments[0].replicas\": expected an integer from 0 to "
                        "1000, got \"many\"",
                        "s.yaml:4:23: \"deployments[0].behaviour.type\" must be one of healthy, "
                        "memory-leak, crash-loop, overload, dependency-errors, "
                        "connection-pool-exhausted (got \"memory-leek\")",
                        "s.yaml:5:11: \"deployments[1].name\": \"Bad_Name\" is not a valid name "
                        "(lower case letters, digits, '-' and '.', starting and ending with a "
                        "letter or digit)",
                        "s.yaml:6:5: \"deployments[1].image\": give either revisions or image and "
                        "behaviour",
                        "s.yaml:8:5: \"deployments[2].name\" is required",
                        "s.yaml:10:27: \"statefulsets[0].behaviour.capacityPerReplica\": must "
                        "be above 0 for type overload",
                        "s.yaml:11:27: \"nodes[0].memory\": \"lots\" is not a quantity (e.g. "
                        "64Mi, 1.5Gi, 500M, 250m)"}));
}

TEST(KubesimScenarioTest, DuplicatesAndSyntaxErrors) {
  EXPECT_EQ(
      ScenarioErrors("deployments:\n  - {name: a}\n  - {name: a}\n"),
      (std::vector<std::string>{"s.yaml:3:5: \"deployments[1]\": \"default/a\" is defined twice"}));
  std::vector<std::string> syntax = ScenarioErrors("deployments: [\n");
  ASSERT_EQ(syntax.size(), 1u);
  EXPECT_TRUE(syntax[0].starts_with("s.yaml:")) << syntax[0];
  ScenarioResult missing = LoadScenario("/nonexistent/scenario.yaml");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_TRUE(missing.errors[0].ToString().starts_with("/nonexistent/scenario.yaml: "));
}

TEST(KubesimScenarioTest, ApplyBuildsTheClusterWithRolloutHistory) {
  ::rebound::testing::TempDir dir;
  ::rebound::testing::WriteFile(dir.File("s.yaml"), R"(
nodes: [{name: a}, {name: b, unschedulable: true}]
deployments:
  - name: api
    namespace: shop
    revisions: [{image: "api:1"}, {image: "api:2"}, {image: "api:3"}]
podDisruptionBudgets:
  - {name: api, namespace: shop, minAvailable: 1, selector: {app: api}}
)");
  ScenarioResult result = LoadScenario(dir.File("s.yaml"));
  ASSERT_TRUE(result.scenario);
  ::rebound::testing::FakeClock clock;
  Cluster cluster(clock, {});
  ASSERT_TRUE(ApplyScenario(*result.scenario, cluster).ok());
  EXPECT_EQ(cluster.store().ListObjects(TypeOf(Kind::kNode)).items.size(), 2u);
  EXPECT_TRUE(cluster.store().Get(TypeOf(Kind::kNamespace), "", "shop").ok());
  EXPECT_EQ(cluster.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items.size(), 3u);
  auto api = cluster.store().Get(TypeOf(Kind::kDeployment), "shop", "api");
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(StringAt(*api, "/metadata/annotations/deployment.kubernetes.io~1revision"), "3");
  EXPECT_TRUE(cluster.store().Get(TypeOf(Kind::kPodDisruptionBudget), "shop", "api").ok());
}

TEST(KubesimScenarioTest, ShippedExampleIsValid) {
  ScenarioResult result =
      LoadScenario(std::string(REBOUND_SOURCE_DIR) + "/tools/kubesim/examples/shop.yaml");
  EXPECT_TRUE(result.scenario.has_value())
      << (result.errors.empty() ? "" : result.errors.front().ToString());
}

}  // namespace
}  // namespace rebound::kubesim
