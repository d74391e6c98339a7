// kubesim's dependency-errors and connection-pool-exhausted behaviours, set through the
// /kubesim/v1 control API of the running binary and scraped by the real Prometheus with the
// shipped rules/ and alerts/ loaded (every file, as deployed): HighDependencyErrorRate and
// DatabaseConnectionPoolExhausted take hold with the labels their playbooks
// (playbooks/dependency-errors-restart.yaml, playbooks/connection-pool-restart.yaml) match
// on, and `kubectl rollout restart` clears them where a restart helps.
//
// The alerts wait `for: 5m` before they fire, too long for CI, so the test reads them in the
// pending state (ALERTS{alertstate="pending"}): the alert's expression holds with these labels
// and would fire five minutes later. An alert that stops holding leaves ALERTS at once, which
// is what a resolved alert does too.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>

#include "tests/support/kubesim_harness.h"
#include "tests/support/prometheus.h"

namespace rebound::kubesim::testing {
namespace {

using rebound::testing::Prometheus;
using rebound::testing::WaitFor;
using std::chrono::seconds;

class KubesimAppAlertsTest : public ::testing::Test {
 protected:
  // kubesim with `scenario`, and Prometheus scraping it with the shipped rules.
  void Start(const std::string& scenario) {
    ASSERT_TRUE(sim_.Start({.scenario = scenario}));
    Prometheus::Options options;
    options.scrape_targets = {sim_.url().substr(std::string("http://").size())};
    options.extra_yaml = "rule_files:\n";
    for (const char* folder : {"rules", "alerts"}) {
      for (const auto& entry :
           std::filesystem::directory_iterator(std::string(REBOUND_SOURCE_DIR) + "/" + folder)) {
        if (entry.path().string().ends_with(".rules.yml")) {
          options.extra_yaml += "  - '" + entry.path().string() + "'\n";
        }
      }
    }
    prometheus_ = std::make_unique<Prometheus>(sim_.dir(), options);
    ASSERT_TRUE(prometheus_->Start());
    ASSERT_TRUE(prometheus_->WaitForTargetsUp());
  }

  void SetBehaviour(const std::string& deployment, const std::string& behaviour) {
    auto set = sim_.Send(
        "POST", "/kubesim/v1/namespaces/shop/deployments/" + deployment + "/behaviour", behaviour);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    ASSERT_EQ(set->status, 200) << set->body;
  }

  void Kubectl(const std::string& args) {
    auto result = sim_.Kubectl(args);
    ASSERT_EQ(result.exit_code, 0) << "kubectl " << args << "\n" << result.output;
  }

  // The pending or firing instances of `alert`.
  std::vector<Prometheus::Sample> Alerts(const std::string& alert) {
    return prometheus_->Query("ALERTS{alertname=\"" + alert + "\"}");
  }

  // The names of the pods of `deployment` Prometheus sees running now.
  std::set<std::string> RunningPods(const std::string& deployment) {
    std::set<std::string> pods;
    for (const Prometheus::Sample& sample :
         prometheus_->Query("kube_pod_status_phase{namespace=\"shop\",phase=\"Running\",pod=~\"" +
                            deployment + "-.*\"} == 1")) {
      pods.insert(sample.labels.at("pod"));
    }
    return pods;
  }

  KubesimHarness sim_;
  std::unique_ptr<Prometheus> prometheus_;
};

// Pending HighDependencyErrorRate for shop/web calling db, with the labels the playbook uses.
bool PendingFor(const std::vector<Prometheus::Sample>& alerts, const std::string& deployment) {
  for (const Prometheus::Sample& alert : alerts) {
    const auto& labels = alert.labels;
    if (labels.at("alertstate") == "pending" && labels.at("namespace") == "shop" &&
        labels.at("deployment") == deployment && labels.at("peer") == "db" &&
        labels.at("severity") == "warning") {
      return true;
    }
  }
  return false;
}

TEST_F(KubesimAppAlertsTest, StaleDependencyConnectionsAlertAndARolloutRestartClearsIt) {
  Start("deployments: [{name: web, namespace: shop, replicas: 2}]\n");
  SetBehaviour("web", R"({"type":"dependency-errors","peer":"db","errorRatio":0.1,
                          "errorGrowth":"0s","requestsPerSecond":1000})");
  ASSERT_TRUE(
      WaitFor([&] { return PendingFor(Alerts("HighDependencyErrorRate"), "web"); }, seconds(30)))
      << prometheus_->Log();
  std::vector<Prometheus::Sample> ratio = prometheus_->Query(
      "namespace_deployment_peer:http_client_request_errors_per_requests:ratio_rate5m");
  ASSERT_EQ(ratio.size(), 1u);
  EXPECT_GT(ratio[0].value, 0.05);
  EXPECT_EQ(prometheus_->Query("http_client_requests_total{code=\"0\"} > 0").size(), 1u)
      << "no answer: stale connections";

  // Fresh pods call db without failing, so the failures of the old ones thin out in the 5m
  // window until the ratio drops under 5% and the alert no longer holds.
  std::set<std::string> old_pods = RunningPods("web");
  Kubectl("rollout restart deployment/web -n shop");
  EXPECT_TRUE(WaitFor([&] { return Alerts("HighDependencyErrorRate").empty(); }, seconds(90)))
      << "ratio now: "
      << prometheus_
             ->Query(
                 "namespace_deployment_peer:http_client_request_errors_per_requests:"
                 "ratio_rate5m")
             .at(0)
             .value;
  for (const std::string& pod : RunningPods("web")) EXPECT_FALSE(old_pods.contains(pod)) << pod;
}

TEST_F(KubesimAppAlertsTest, ADependencyDownForEveryoneStillAlertsAfterARolloutRestart) {
  Start("deployments: [{name: web, namespace: shop, replicas: 2}]\n");
  SetBehaviour("web", R"({"type":"dependency-errors","peer":"db","errorRatio":0.5,
                          "errorGrowth":"0s","dependencyDown":true,"requestsPerSecond":1000})");
  ASSERT_TRUE(
      WaitFor([&] { return PendingFor(Alerts("HighDependencyErrorRate"), "web"); }, seconds(30)))
      << prometheus_->Log();

  std::set<std::string> old_pods = RunningPods("web");
  Kubectl("rollout restart deployment/web -n shop");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::set<std::string> pods = RunningPods("web");
        for (const std::string& pod : pods) {
          if (old_pods.contains(pod)) return false;
        }
        return pods.size() == 2;
      },
      seconds(30)));
  // Then until Prometheus has recorded 3 s of calls (1000/s) made by the new pods alone.
  const std::string calls = "sum(http_client_requests_total{deployment=\"web\"})";
  double calls_at_new_pods = prometheus_->Query(calls).at(0).value;
  ASSERT_TRUE(
      WaitFor([&] { return prometheus_->Query(calls).at(0).value >= calls_at_new_pods + 3000; },
              seconds(30)));
  EXPECT_TRUE(PendingFor(Alerts("HighDependencyErrorRate"), "web"))
      << "the new pods fail too: the playbook's restart does not verify, and it escalates";
  std::vector<Prometheus::Sample> recent = prometheus_->Query(
      "sum(rate(http_client_requests_total{deployment=\"web\",code=\"503\"}[2s])) / "
      "sum(rate(http_client_requests_total{deployment=\"web\"}[2s]))");
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_NEAR(recent[0].value, 0.5, 0.1) << "of the new pods' calls";
  EXPECT_EQ(prometheus_->Query("http_client_requests_total{code=\"0\"} > 0").size(), 0u)
      << "the dependency answers 503";
}

// Each pod's pool of 10 keeps 2 busy and leaks one connection every 2 s of uptime: every
// connection is in use at 16 s, and from 18 s requests time out waiting for one.
TEST_F(KubesimAppAlertsTest, ExhaustedConnectionPoolsAlertPerPodAndNewPodsStartEmpty) {
  Start("deployments: [{name: payments, namespace: shop, replicas: 2}]\n");
  SetBehaviour("payments", R"({"type":"connection-pool-exhausted","maxConnections":10,
                               "busyConnections":2,"connectionLeakPerSecond":0.5,
                               "requestsPerSecond":100})");
  std::set<std::string> old_pods = RunningPods("payments");
  ASSERT_EQ(old_pods.size(), 2u);
  std::set<std::string> alerted;
  ASSERT_TRUE(WaitFor(
      [&] {
        alerted.clear();
        for (const Prometheus::Sample& alert : Alerts("DatabaseConnectionPoolExhausted")) {
          const auto& labels = alert.labels;
          if (labels.at("alertstate") == "pending" && labels.at("namespace") == "shop" &&
              labels.at("pool_name") == "main" && labels.at("node") == "node-1" &&
              labels.at("severity") == "warning") {
            alerted.insert(labels.at("pod"));
          }
        }
        return alerted.size() == 2;
      },
      seconds(60)))
      << prometheus_->Log();
  EXPECT_EQ(alerted, old_pods) << "one alert per pod, naming it for connection-pool-restart";
  EXPECT_EQ(prometheus_
                ->Query("namespace_pod_pool_name:db_client_connections_used_per_max:ratio "
                        ">= 1")
                .size(),
            2u);

  // The playbook's restart: new pods with empty pools, and the old pods' alerts end with them.
  Kubectl("rollout restart deployment/payments -n shop");
  std::set<std::string> new_pods;
  EXPECT_TRUE(WaitFor(
      [&] {
        new_pods.clear();
        for (const Prometheus::Sample& sample : prometheus_->Query(
                 "db_client_connections_usage{namespace=\"shop\",state=\"used\"} < 10")) {
          new_pods.insert(sample.labels.at("pod"));
        }
        return new_pods.size() == 2 && Alerts("DatabaseConnectionPoolExhausted").empty();
      },
      seconds(30)));
  for (const std::string& pod : new_pods) EXPECT_FALSE(old_pods.contains(pod)) << pod;
}

}  // namespace
}  // namespace rebound::kubesim::testing
