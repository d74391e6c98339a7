// Simulated application behaviour, driven by a fake clock and read back through /metrics.
#include <gtest/gtest.h>

#include <map>

#include "tests/kubesim/behaviour_fixture.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::KubesimBehaviourTest;

constexpr double kMi = 1024.0 * 1024.0;

TEST_F(KubesimBehaviourTest, MemoryLeakGrowsAndResetsWhenPodsAreReplaced) {
  Load(R"(
deployments:
  - name: leaky
    namespace: shop
    replicas: 2
    behaviour: {type: memory-leak, leakPerSecond: 1Mi, baseMemory: 10Mi}
)");
  Run(seconds(1));
  std::string memory = "container_memory_working_set_bytes";
  double start = Sum(memory, {"namespace=\"shop\"", "container=\"leaky\""});
  EXPECT_GE(start, 2 * 10 * kMi);
  EXPECT_LT(start, 2 * 12 * kMi);
  Run(seconds(60));
  auto grown = Samples(memory, {"container=\"leaky\""});
  ASSERT_EQ(grown.size(), 2u);
  for (const auto& [labels, bytes] : grown) EXPECT_GT(bytes, 65 * kMi) << labels;

  // kubectl rollout restart: the same code in new pods, which start small again.
  RolloutRestart("leaky");
  Run(seconds(10));
  auto after = Samples(memory, {"container=\"leaky\""});
  ASSERT_EQ(after.size(), 2u);
  for (const auto& [labels, bytes] : after) {
    EXPECT_LT(bytes, 25 * kMi) << labels;
    EXPECT_EQ(grown.count(labels), 0u) << "new pods: " << labels;
  }
  Run(seconds(20));
  for (const auto& [labels, bytes] : Samples(memory, {"container=\"leaky\""})) {
    EXPECT_GT(bytes, 25 * kMi) << "the leak is in the code, so it continues: " << labels;
  }
}

TEST_F(KubesimBehaviourTest, MemoryLeakIsOomKilledAtTheContainerLimit) {
  Load(R"(
deployments:
  - name: leaky
    namespace: shop
    memoryLimit: 100Mi
    behaviour: {type: memory-leak, leakPerSecond: 10Mi, baseMemory: 10Mi}
)");
  Run(seconds(12));
  EXPECT_EQ(Sum("kube_pod_container_status_restarts_total", {"container=\"leaky\""}), 1);
  EXPECT_EQ(Sum("kube_pod_container_status_last_terminated_reason", {"reason=\"OOMKilled\""}), 1);
  EXPECT_LT(Sum("container_memory_working_set_bytes", {"container=\"leaky\""}), 50 * kMi);
  EXPECT_EQ(Sum("kube_pod_container_resource_limits", {"resource=\"memory\""}), 100 * kMi);
}

TEST_F(KubesimBehaviourTest, CrashLoopRecoversAfterRollback) {
  Load(R"(
deployments:
  - name: crashy
    namespace: shop
    replicas: 2
    revisions:
      - image: shop/crashy:1.0
      - image: shop/crashy:1.1
        behaviour: {type: crash-loop, restartInterval: 2s}
)");
  Run(seconds(11));
  double restarts = Sum("kube_pod_container_status_restarts_total", {"container=\"crashy\""});
  EXPECT_GE(restarts, 4);
  EXPECT_GE(Sum("kube_pod_container_status_waiting_reason", {"reason=\"CrashLoopBackOff\""}), 1);
  EXPECT_GE(Sum("kube_pod_status_ready", {"condition=\"false\""}), 1);
  Run(seconds(4));
  EXPECT_GT(Sum("kube_pod_container_status_restarts_total", {"container=\"crashy\""}), restarts)
      << "restarts keep rising";

  // kubectl rollout undo: revision 1's template comes back as a JSON patch.
  json old_template;
  for (const json& rs : cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items) {
    if (StringMapAt(rs, "/metadata/annotations")[std::string(kRevisionAnnotation)] == "1") {
      old_template = rs["spec"]["template"];
      old_template["metadata"]["labels"].erase(std::string(kTemplateHashLabel));
    }
  }
  ASSERT_FALSE(old_template.is_null());
  Patch(Kind::kDeployment, "crashy",
        json::array({{{"op", "replace"}, {"path", "/spec/template"}, {"value", old_template}}}),
        PatchType::kJson);
  Run(seconds(5));
  EXPECT_EQ(Sum("kube_pod_status_ready", {"condition=\"false\""}), 0);
  EXPECT_EQ(Sum("kube_pod_container_status_waiting_reason"), 0);
  EXPECT_EQ(Sum("kube_pod_container_status_restarts_total", {"container=\"crashy\""}), 0)
      << "the crash-looping pods are gone";
  EXPECT_EQ(Sum("kube_deployment_status_replicas_available", {"deployment=\"crashy\""}), 2);
}

TEST_F(KubesimBehaviourTest, CrashLoopRecoversAfterABehaviourChange) {
  Load(R"(
deployments:
  - {name: crashy, namespace: shop, behaviour: {type: crash-loop, restartInterval: 1s}}
)");
  Run(seconds(5));
  EXPECT_EQ(Sum("kube_pod_status_ready", {"condition=\"true\""}), 0);
  ASSERT_TRUE(cluster_.SetBehaviour({Kind::kDeployment, "shop", "crashy"}, Behaviour()).ok());
  Run(seconds(1));
  EXPECT_EQ(Sum("kube_pod_status_ready", {"condition=\"true\""}), 1);
  EXPECT_EQ(Sum("kube_deployment_status_replicas_available", {"deployment=\"crashy\""}), 1);
}

TEST_F(KubesimBehaviourTest, OverloadErrorRateFallsAfterScaleUp) {
  Load(R"(
deployments:
  - name: busy
    namespace: shop
    replicas: 1
    behaviour: {type: overload, requestsPerSecond: 300, capacityPerReplica: 100, latency: 20ms}
)");
  Run(seconds(2));
  double ok_before = Sum("http_requests_total", {"deployment=\"busy\"", "code=\"200\""});
  double errors_before = Sum("http_requests_total", {"deployment=\"busy\"", "code=\"503\""});
  Run(seconds(10));
  double ok = Sum("http_requests_total", {"deployment=\"busy\"", "code=\"200\""}) - ok_before;
  double errors =
      Sum("http_requests_total", {"deployment=\"busy\"", "code=\"503\""}) - errors_before;
  EXPECT_NEAR(errors / (ok + errors), 2.0 / 3.0, 0.02);
  double slow = Sum("http_request_duration_seconds_bucket", {"le=\"0.05\""});
  double all = Sum("http_request_duration_seconds_count", {"deployment=\"busy\""});
  EXPECT_LT(slow / all, 0.5) << "latency rises with the load";

  Patch(Kind::kDeployment, "busy", {{"spec", {{"replicas", 3}}}});
  Run(seconds(2));
  double ok_scaled = Sum("http_requests_total", {"deployment=\"busy\"", "code=\"200\""});
  double errors_scaled = Sum("http_requests_total", {"deployment=\"busy\"", "code=\"503\""});
  Run(seconds(10));
  EXPECT_EQ(Sum("http_requests_total", {"deployment=\"busy\"", "code=\"503\""}), errors_scaled)
      << "no errors once replicas x capacity covers the demand";
  EXPECT_NEAR(Sum("http_requests_total", {"deployment=\"busy\"", "code=\"200\""}) - ok_scaled, 3000,
              2);
}

TEST_F(KubesimBehaviourTest, MetricsUseKubeStateMetricsNamesAndLabels) {
  Load(R"(
deployments:
  - {name: web, namespace: shop, replicas: 2}
statefulsets:
  - {name: db, namespace: shop, replicas: 1}
)");
  Run(seconds(2));
  EXPECT_EQ(Sum("kube_deployment_spec_replicas", {"namespace=\"shop\",deployment=\"web\""}), 2);
  EXPECT_EQ(Sum("kube_deployment_status_replicas_available", {"deployment=\"web\""}), 2);
  EXPECT_EQ(Sum("kube_deployment_status_replicas", {"deployment=\"web\""}), 2);
  EXPECT_EQ(Sum("kube_statefulset_replicas", {"namespace=\"shop\",statefulset=\"db\""}), 1);
  EXPECT_EQ(Sum("kube_statefulset_status_replicas_ready", {"statefulset=\"db\""}), 1);
  EXPECT_EQ(Sum("kube_pod_status_phase", {"pod=\"db-0\",phase=\"Running\""}), 1);
  EXPECT_EQ(Sum("kube_pod_status_phase", {"pod=\"db-0\",phase=\"Pending\""}), 0);
  EXPECT_EQ(Sum("kube_pod_status_ready", {"pod=\"db-0\",condition=\"true\""}), 1);
  EXPECT_EQ(Sum("kube_pod_owner", {"pod=\"db-0\",owner_kind=\"StatefulSet\",owner_name=\"db\""}),
            1);
  EXPECT_EQ(Sum("kube_pod_owner", {"owner_kind=\"ReplicaSet\""}), 2);
  EXPECT_EQ(Sum("kube_node_spec_unschedulable", {"node=\"node-1\""}), 0);
  EXPECT_EQ(Samples("kube_pod_container_status_restarts_total",
                    {"namespace=\"shop\",pod=\"db-0\",container=\"db\""})
                .size(),
            1u);
  EXPECT_EQ(
      Samples("http_requests_total", {"namespace=\"shop\",deployment=\"web\",code=\"200\""}).size(),
      1u);
  EXPECT_EQ(Samples("http_request_duration_seconds_bucket", {"le=\"+Inf\""}).size(), 2u);
  std::string text = RenderMetrics(metrics_);
  EXPECT_NE(text.find("# TYPE kube_pod_container_status_restarts_total counter"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace rebound::kubesim
