// The anomaly gate of a playbook (spec.when.anomaly) end to end on real processes, all on
// 127.0.0.1: kubesim simulates two workloads and serves their cAdvisor memory metrics, a real
// Prometheus scrapes it every second, and the rebound daemon reads the memory history from that
// Prometheus when the same alert fires for both. It restarts the one whose memory started to
// leak, refuses the healthy one with the score as the reason (visible in /api/v1/actions and
// on Slack), and counts the refusal. Lookback and step are a minute and a second so that the
// test runs in about a minute.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/time_format.h"
#include "tests/support/heal_records.h"
#include "tests/support/kubesim_harness.h"
#include "tests/support/process.h"
#include "tests/support/prometheus.h"
#include "tests/support/rebound_daemon.h"
#include "tests/support/slack_sink.h"

namespace rebound::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr char kGateScenario[] = R"(
namespaces: [shop]
deployments:
  - {name: cart, namespace: shop, replicas: 2, memoryLimit: 4Gi, behaviour: {type: healthy, baseMemory: 96Mi}}
  - {name: web, namespace: shop, replicas: 2, memoryLimit: 4Gi, behaviour: {type: healthy, baseMemory: 96Mi}}
)";

constexpr char kGatedPlaybook[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: leak-restart}
spec:
  match: ['alertname = "ContainerMemoryGrowth"']
  target: {kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}"}
  when:
    anomaly:
      signals:
        memory: 'sum(container_memory_working_set_bytes{namespace="{{ target.namespace }}",pod=~"{{ target.name }}-.*"})'
      lookback: 60s
      step: 1s
      above: 0.99
      onMissingData: skip
  steps:
    - action: restart
      verify: {within: 30s, resolved: false}
)";

// An Alertmanager webhook body firing ContainerMemoryGrowth for each of `deployments`.
std::string GrowthAlerts(const std::vector<std::string>& deployments) {
  const std::string now =
      common::FormatRfc3339(common::Timestamp::FromTimePoint(std::chrono::system_clock::now()));
  json alerts = json::array();
  for (const std::string& deployment : deployments) {
    alerts.push_back({{"status", "firing"},
                      {"labels",
                       {{"alertname", "ContainerMemoryGrowth"},
                        {"namespace", "shop"},
                        {"deployment", deployment}}},
                      {"annotations", {{"summary", "memory of shop/" + deployment + " grows"}}},
                      {"startsAt", now},
                      {"endsAt", "0001-01-01T00:00:00Z"},
                      {"generatorURL", ""},
                      {"fingerprint", "growth-" + deployment}});
  }
  return json({{"version", "4"}, {"status", "firing"}, {"receiver", "rebound"}, {"alerts", alerts}})
      .dump();
}

// The message of the first record about `target` of kind `kind`, "" when there is none.
std::string MessageOf(ReboundDaemon& daemon, const std::string& target, const std::string& kind) {
  for (const json& r : HealRecords(daemon)) {
    if (r.value("target", "") == target && r["kind"] == kind) return r["message"];
  }
  return "";
}

TEST(AnomalyGateIntegrationTest, ActsOnTheLeakingWorkloadAndRefusesTheHealthyOne) {
  TempDir dir;
  SlackSink slack;
  ASSERT_TRUE(slack.Start().ok());
  kubesim::testing::KubesimHarness kubesim;
  kubesim::testing::KubesimHarness::Options sim_options;
  sim_options.scenario = kGateScenario;
  ASSERT_TRUE(kubesim.Start(sim_options));
  Prometheus::Options prom_options;
  prom_options.scrape_targets = {kubesim.url().substr(std::string("http://").size())};
  Prometheus prometheus(dir, prom_options);
  ASSERT_TRUE(prometheus.Start());
  RunCommand("mkdir -p " + dir.File("playbooks"));
  WriteFile(dir.File("playbooks/leak.yaml"), kGatedPlaybook);
  WriteFile(dir.File("slack-url"), slack.Url() + "\n");
  ReboundDaemon daemon(dir,
                       "kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim.Kubeconfig("") +
                           " }\n"
                           "prometheus: { url: \"" +
                           prometheus.Url() +
                           "\" }\n"
                           "slack: { webhook_url_file: slack-url, channel: \"#ops\" }\n"
                           "playbooks: [ \"playbooks/*.yaml\" ]\n"
                           "healing: { verify_interval: 1s }\n");
  ASSERT_TRUE(daemon.Start());
  auto failure = [&] {
    return "\npath: " + json(HealPath(daemon)).dump() + "\nrebound log:\n" + daemon.process().Log();
  };

  // Both workloads' memory is flat for longer than the scorer's warm-up (30 samples), then
  // cart starts to leak: its memory jumps by what it would have leaked so far, and climbs.
  ASSERT_TRUE(prometheus.WaitForTargetsUp());
  std::this_thread::sleep_for(seconds(36));
  auto leak =
      kubesim.Send("POST", "/kubesim/v1/namespaces/shop/deployments/cart/behaviour",
                   R"({"type": "memory-leak", "leakPerSecond": "4Mi", "baseMemory": "96Mi"})");
  ASSERT_TRUE(leak.ok() && leak->status == 200) << (leak.ok() ? leak->body : "unreachable");
  std::this_thread::sleep_for(seconds(4));

  auto posted = daemon.PostWebhook(GrowthAlerts({"cart", "web"}));
  ASSERT_TRUE(posted.ok() && posted->status == 200) << failure();

  ASSERT_TRUE(WaitForHealPathEnd(daemon, "outcome:healed", seconds(60), "Deployment shop/cart"))
      << failure();
  EXPECT_EQ(HealPath(daemon, "Deployment shop/cart"),
            (std::vector<std::string>{"decision:matched:anomaly", "action:restart:done",
                                      "verify:restart:passed", "outcome:healed"}))
      << failure();
  EXPECT_NE(MessageOf(daemon, "Deployment shop/cart", "decision")
                .find("(top signal memory) is above 0.99"),
            std::string::npos)
      << failure();

  // The healthy workload, under the same alert: refused, with its score as the reason.
  ASSERT_TRUE(
      WaitForHealPathEnd(daemon, "decision:refused:anomaly", seconds(10), "Deployment shop/web"))
      << failure();
  EXPECT_EQ(HealPath(daemon, "Deployment shop/web").size(), 1u) << failure();
  const std::string refusal = MessageOf(daemon, "Deployment shop/web", "decision");
  EXPECT_NE(refusal.find("anomaly score 0."), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("is not above 0.99"), std::string::npos) << refusal;
  EXPECT_EQ(kubesim
                .Kubectl("get deployment web -n shop -o "
                         "jsonpath={.spec.template.metadata.annotations}")
                .output,
            "");
  EXPECT_EQ(daemon.Metric("rebound_guardrail_blocks_total{reason=\"anomaly\"}"), 1);

  // Slack hears of both: the refusal with its score, the restart with the gate that let it.
  ASSERT_TRUE(slack.WaitForMessages(3, seconds(20)));
  bool refusal_sent = false;
  bool gate_shown = false;
  for (const json& message : slack.Messages()) {
    const std::string text = message.dump();
    refusal_sent |= text.find("shop/web") != std::string::npos &&
                    text.find("is not above 0.99") != std::string::npos;
    gate_shown |= text.find("shop/cart") != std::string::npos &&
                  text.find("Anomaly gate") != std::string::npos;
  }
  EXPECT_TRUE(refusal_sent) << json(slack.Messages()).dump();
  EXPECT_TRUE(gate_shown) << json(slack.Messages()).dump();
}

}  // namespace
}  // namespace rebound::testing
