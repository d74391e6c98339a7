// Simulated application behaviour of the running kubesim binary, changed with the real kubectl
// and read back through its /metrics, as Prometheus would scrape it.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/kubesim_harness.h"
#include "tests/kubesim/metric_samples.h"

namespace rebound::kubesim::testing {
namespace {

using rebound::testing::WaitFor;
using std::chrono::seconds;

constexpr double kMi = 1024.0 * 1024.0;

class KubesimBehaviourMetricsTest : public ::testing::Test {
 protected:
  void Start(const std::string& scenario) { ASSERT_TRUE(sim_.Start({.scenario = scenario})); }
  void Kubectl(const std::string& args) {
    auto result = sim_.Kubectl(args);
    ASSERT_EQ(result.exit_code, 0) << "kubectl " << args << "\n" << result.output;
  }
  KubesimHarness sim_;
};

TEST_F(KubesimBehaviourMetricsTest, MemoryLeakGrowsAndResetsAfterRolloutRestart) {
  Start(R"(
deployments:
  - name: leaky
    namespace: shop
    replicas: 2
    behaviour: {type: memory-leak, leakPerSecond: 40Mi, baseMemory: 10Mi}
)");
  const std::vector<std::string> leaky = {"namespace=\"shop\"", "container=\"leaky\""};
  std::map<std::string, double> grown;
  ASSERT_TRUE(WaitFor(
      [&] {
        grown = Samples(sim_.Metrics(), "container_memory_working_set_bytes", leaky);
        if (grown.size() != 2) return false;
        for (const auto& [labels, bytes] : grown) {
          if (bytes < 100 * kMi) return false;
        }
        return true;
      },
      seconds(30)))
      << sim_.Log();

  Kubectl("rollout restart deployment/leaky -n shop");
  std::map<std::string, double> fresh;
  ASSERT_TRUE(WaitFor(
      [&] {
        fresh = Samples(sim_.Metrics(), "container_memory_working_set_bytes", leaky);
        if (fresh.size() != 2) return false;
        for (const auto& [labels, bytes] : fresh) {
          if (grown.contains(labels)) return false;  // an old pod is still there
        }
        return true;
      },
      seconds(30)));
  // The new pods started small (the leak goes on, so compare with where the old ones were).
  for (const auto& [labels, bytes] : fresh) EXPECT_LT(bytes, 100 * kMi) << labels;
  EXPECT_TRUE(
      WaitFor([&] { return sim_.Metric("container_memory_working_set_bytes", leaky) > 200 * kMi; },
              seconds(30)))
      << "and grows again";
}

TEST_F(KubesimBehaviourMetricsTest, CrashLoopRecoversAfterRollback) {
  Start(R"(
deployments:
  - name: crashy
    namespace: shop
    replicas: 2
    revisions:
      - image: shop/crashy:1.0
      - image: shop/crashy:1.1
        behaviour: {type: crash-loop, restartInterval: 300ms}
)");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string metrics = sim_.Metrics();
        return SumOf(metrics, "kube_pod_container_status_restarts_total",
                     {"container=\"crashy\""}) >= 3 &&
               SumOf(metrics, "kube_pod_container_status_waiting_reason",
                     {"reason=\"CrashLoopBackOff\""}) >= 1;
      },
      seconds(30)))
      << sim_.Log();
  EXPECT_GE(sim_.Metric("kube_pod_status_ready", {"condition=\"false\""}), 1);

  Kubectl("rollout undo deployment/crashy -n shop");
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string metrics = sim_.Metrics();
        return SumOf(metrics, "kube_pod_container_status_waiting_reason") == 0 &&
               SumOf(metrics, "kube_pod_status_ready", {"condition=\"false\""}) == 0 &&
               SumOf(metrics, "kube_pod_container_status_restarts_total") == 0 &&
               SumOf(metrics, "kube_deployment_status_replicas_available",
                     {"deployment=\"crashy\""}) == 2;
      },
      seconds(30)))
      << sim_.Metrics();
}

TEST_F(KubesimBehaviourMetricsTest, OverloadErrorRateFallsAfterScaleUp) {
  Start(R"(
deployments:
  - name: busy
    namespace: shop
    replicas: 1
    behaviour: {type: overload, requestsPerSecond: 300, capacityPerReplica: 100}
)");
  const std::vector<std::string> errors = {"deployment=\"busy\"", "code=\"503\""};
  const std::vector<std::string> ok = {"deployment=\"busy\"", "code=\"200\""};
  ASSERT_TRUE(WaitFor(
      [&] {
        return sim_.Metric("kube_deployment_status_replicas_available", {"deployment=\"busy\""}) ==
               1;
      },
      seconds(30)));
  // The error ratio over a window of at least a second, from two scrapes.
  auto error_ratio = [&] {
    std::string first = sim_.Metrics();
    double total = 0;
    double failed = 0;
    WaitFor(
        [&] {
          std::string now = sim_.Metrics();
          failed = SumOf(now, "http_requests_total", errors) -
                   SumOf(first, "http_requests_total", errors);
          total = failed + SumOf(now, "http_requests_total", ok) -
                  SumOf(first, "http_requests_total", ok);
          return total >= 300;
        },
        seconds(30));
    return total > 0 ? failed / total : -1;
  };
  EXPECT_NEAR(error_ratio(), 2.0 / 3.0, 0.1);

  Kubectl("scale deployment busy -n shop --replicas=3");
  ASSERT_TRUE(WaitFor(
      [&] {
        return sim_.Metric("kube_deployment_status_replicas_available", {"deployment=\"busy\""}) ==
               3;
      },
      seconds(30)));
  EXPECT_LT(error_ratio(), 0.01);
}

TEST_F(KubesimBehaviourMetricsTest, MetricsPassPromtool) {
  Start(R"(
deployments:
  - {name: web, namespace: shop, replicas: 2, memoryLimit: 128Mi}
  - {name: leaky, namespace: shop, behaviour: {type: memory-leak, leakPerSecond: 1Mi}}
  - {name: api, namespace: shop, behaviour: {type: dependency-errors, peer: db}}
  - name: payments
    namespace: shop
    behaviour: {type: connection-pool-exhausted, connectionLeakPerSecond: 1}
statefulsets:
  - name: db
    namespace: shop
    behaviour: {type: crash-loop, restartInterval: 200ms}
podDisruptionBudgets:
  - {name: web, namespace: shop, minAvailable: 1, selector: {app: web}}
)");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string metrics = sim_.Metrics();
        return SumOf(metrics, "kube_pod_container_status_restarts_total") >= 1 &&
               SumOf(metrics, "http_client_requests_total") >= 1 &&
               SumOf(metrics, "db_client_connections_max") >= 1;
      },
      seconds(30)));
  rebound::testing::WriteFile(sim_.dir().File("metrics.txt"), sim_.Metrics());
  auto checked =
      rebound::testing::RunCommand("promtool check metrics < " + sim_.dir().File("metrics.txt"));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_EQ(checked.output, "");
}

}  // namespace
}  // namespace rebound::kubesim::testing
