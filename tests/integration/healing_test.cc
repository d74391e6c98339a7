// Healing end to end on real processes, all on 127.0.0.1 with ports chosen at run time:
// a real Alertmanager (alerts added with amtool) → rebound → kubesim (the Kubernetes API, as
// kubectl sees it), with a real Prometheus scraping kubesim to answer verification queries and
// a local Slack sink. The playbooks are the shipped ones from playbooks/, with their
// verification deadlines and rate windows shortened so that a failed step fails in seconds
// rather than minutes; their logic is unchanged.
//
// The test plays the part of Prometheus' alerting rules: it resolves an alert (amtool --end)
// once the cluster shows the symptom is gone, as a rule would stop firing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/alertmanager.h"
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

constexpr char kScenario[] = R"(
namespaces: [shop]
nodes:
  - {name: node-1}
  - {name: node-2}
deployments:
  - name: payments
    namespace: shop
    replicas: 2
    revisions:
      - {image: shop/payments:4.1.0}
      - {image: shop/payments:4.2.0, behaviour: {type: crash-loop, restartInterval: 2s}}
  - name: cart
    namespace: shop
    replicas: 2
    image: shop/cart:1.9.0
    memoryLimit: 512Mi
    behaviour: {type: memory-leak, leakPerSecond: 4Mi, baseMemory: 96Mi}
  - name: search
    namespace: shop
    replicas: 1
    behaviour: {type: overload, requestsPerSecond: 250, capacityPerReplica: 100, latency: 40ms}
  - name: broken
    namespace: shop
    replicas: 2
    behaviour: {type: crash-loop, restartInterval: 2s}
  - name: web
    namespace: shop
    replicas: 2
)";

// The shipped playbooks with every verification deadline set to `within` and 1m rate windows
// shortened to 5s (Prometheus scrapes every second here).
void CopyPlaybooks(const TempDir& dir, const std::string& within) {
  RunCommand("mkdir -p " + dir.File("playbooks"));
  for (const char* name : {"crashloop.yaml", "memory-growth.yaml", "overload.yaml",
                           "replicas-unavailable.yaml", "pod-not-ready-dry-run.yaml"}) {
    std::string text = ReadFile(std::string(REBOUND_SOURCE_DIR) + "/playbooks/" + name);
    text = std::regex_replace(text, std::regex(R"(within: \d+[smh])"), "within: " + within);
    text = std::regex_replace(text, std::regex(R"(\[1m\])"), "[5s]");
    WriteFile(dir.File("playbooks/") + name, text);
  }
}

class HealingIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(slack_.Start().ok());
    kubesim::testing::KubesimHarness::Options options;
    options.scenario = kScenario;
    ASSERT_TRUE(kubesim_.Start(options));
    Prometheus::Options prom_options;
    prom_options.scrape_targets = {kubesim_.url().substr(std::string("http://").size())};
    prometheus_ = std::make_unique<Prometheus>(dir_, prom_options);
    ASSERT_TRUE(prometheus_->Start());
    CopyPlaybooks(dir_, "12s");
    WriteFile(dir_.File("slack-url"), slack_.Url() + "\n");
    daemon_ = std::make_unique<ReboundDaemon>(
        dir_, "kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim_.Kubeconfig("") +
                  " }\n"
                  "prometheus: { url: \"" + prometheus_->Url() + "\" }\n"
                  "slack: { webhook_url_file: slack-url, channel: \"#ops\" }\n"
                  "playbooks: [ \"playbooks/*.yaml\" ]\n"
                  "healing: { verify_interval: 1s }\n");
    ASSERT_TRUE(daemon_->Start());
    // repeat_interval 2s: Alertmanager re-sends the same alert, as retries and HA pairs do.
    am_ = std::make_unique<Alertmanager>(dir_, daemon_->Url("/webhook/alertmanager"),
                                         dir_.File("webhook-token"), "2s");
    ASSERT_TRUE(am_->Start());
  }

  // Fires `alert` ("Name label=value ...") with a fixed start, so that Resolve names the same
  // episode.
  void Fire(const std::string& alert) {
    starts_[alert] = Now();
    CommandResult add = am_->Amtool("alert add " + alert + " --start=" + starts_[alert]);
    ASSERT_EQ(add.exit_code, 0) << add.output;
  }
  void Resolve(const std::string& alert) {
    CommandResult add =
        am_->Amtool("alert add " + alert + " --start=" + starts_[alert] + " --end=" + Now());
    ASSERT_EQ(add.exit_code, 0) << add.output;
  }
  static std::string Now() { return RunCommand("date -u +%FT%TZ").output.substr(0, 20); }

  json Actions() { return HealRecords(*daemon_); }
  std::vector<std::string> Path() { return HealPath(*daemon_); }
  bool PathEnds(const std::string& last, seconds timeout) {
    return WaitForHealPathEnd(*daemon_, last, timeout);
  }
  std::string Kubectl(const std::string& args) { return kubesim_.Kubectl(args).output; }
  std::string FirstPod(const std::string& prefix) {
    std::istringstream in(Kubectl("get pods -n shop -o name"));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("pod/" + prefix + "-")) return line.substr(4);
    }
    return "";
  }
  std::string Jsonpath(const std::string& object, const std::string& path) {
    return Kubectl("get " + object + " -n shop -o jsonpath={" + path + "}");
  }
  std::string Failure() {
    return "\npath: " + json(Path()).dump() + "\nrebound log:\n" + daemon_->process().Log();
  }

  // Every Slack message is well-formed Block Kit with the thread prefix in its fallback text.
  void ExpectWellFormedSlack(size_t at_least) {
    ASSERT_TRUE(slack_.WaitForMessages(at_least, seconds(20)));
    for (const json& message : slack_.Messages()) {
      ASSERT_TRUE(message.contains("blocks") && message["blocks"].is_array()) << message.dump();
      EXPECT_FALSE(message["blocks"].empty());
      EXPECT_TRUE(message["text"].get<std::string>().starts_with("[Rebound]")) << message.dump();
      EXPECT_EQ(message["channel"], "#ops");
      for (const json& block : message["blocks"]) EXPECT_TRUE(block.contains("type"));
    }
  }

  TempDir dir_;
  SlackSink slack_;
  kubesim::testing::KubesimHarness kubesim_;
  std::unique_ptr<Prometheus> prometheus_;
  std::unique_ptr<ReboundDaemon> daemon_;
  std::unique_ptr<Alertmanager> am_;
  std::map<std::string, std::string> starts_;
};

TEST_F(HealingIntegrationTest, CrashLoopIsRestartedThenRolledBackAndVerified) {
  // The crash-looping revision's rollout has stalled: past its progress deadline.
  Kubectl("patch deployment payments -n shop -p '{\"spec\":{\"progressDeadlineSeconds\":1}}'");
  std::string pod = FirstPod("payments");
  ASSERT_FALSE(pod.empty());
  const std::string alert = "KubePodCrashLooping namespace=shop pod=" + pod + " severity=warning";
  Fire(alert);

  // The restart cannot fix a bad revision: its verification fails and the rollback runs.
  ASSERT_TRUE(WaitFor(
      [&] { return Jsonpath("deployment/payments", ".spec.template.spec.containers[0].image") ==
                   "shop/payments:4.1.0"; },
      seconds(90)))
      << Failure();
  ASSERT_TRUE(WaitFor([&] { return Jsonpath("deployment/payments", ".status.availableReplicas") == "2"; },
                      seconds(30)));
  Resolve(alert);
  ASSERT_TRUE(PathEnds("outcome:healed", seconds(60))) << Failure();

  EXPECT_EQ(Path(), (std::vector<std::string>{
                        "decision:matched", "action:restart:done", "verify:restart:failed",
                        "action:rollback:done", "verify:rollback:passed", "outcome:healed"}))
      << Failure();
  // Alertmanager re-sent the alert every 2 s; it was acted on once.
  EXPECT_GE(daemon_->Metric("rebound_alerts_deduplicated_total"), 1);
  EXPECT_EQ(daemon_->Metric("rebound_heal_actions_total{action=\"restart\",playbook=\"crashloop-restart-then-rollback\",result=\"done\"}"), 1);
  EXPECT_EQ(daemon_->Metric("rebound_heal_time_to_resolve_seconds_count{playbook=\"crashloop-restart-then-rollback\"}"), 1);
  // kubectl describe shows what Rebound did.
  std::string events = Kubectl("get events -n shop --field-selector reason=ReboundHeal -o name");
  EXPECT_GE(std::count(events.begin(), events.end(), '\n'), 2) << events;
  ExpectWellFormedSlack(3);
}

TEST_F(HealingIntegrationTest, OverloadIsScaledUpUntilPrometheusShowsTheErrorsGone) {
  ASSERT_TRUE(prometheus_->WaitForTargetsUp());
  const std::string alert = "HighErrorRate namespace=shop deployment=search severity=warning";
  Fire(alert);
  // One more replica is not enough for 250 rps at 100 per replica; doubling is.
  ASSERT_TRUE(WaitFor([&] { return Jsonpath("deployment/search", ".spec.replicas") == "4"; },
                      seconds(90)))
      << Failure();
  ASSERT_TRUE(WaitFor([&] { return Jsonpath("deployment/search", ".status.availableReplicas") == "4"; },
                      seconds(30)));
  Resolve(alert);
  ASSERT_TRUE(PathEnds("outcome:healed", seconds(60))) << Failure();
  EXPECT_EQ(Path(), (std::vector<std::string>{
                        // The playbook's anomaly gate has too little history here: it acts.
                        "decision:matched:anomaly", "action:scale:done", "verify:scale:failed",
                        "action:scale:done", "verify:scale:passed", "outcome:healed"}))
      << Failure();
  json actions = Actions();
  std::string verified = actions[actions.size() - 2]["message"];
  EXPECT_NE(verified.find("< 0.05 holds"), std::string::npos) << verified;
  ExpectWellFormedSlack(3);
}

TEST_F(HealingIntegrationTest, UnfixableWorkloadEscalatesAfterEveryStep) {
  Kubectl("patch deployment broken -n shop -p '{\"spec\":{\"progressDeadlineSeconds\":1}}'");
  Fire("KubeDeploymentReplicasMismatch namespace=shop deployment=broken severity=warning");
  ASSERT_TRUE(PathEnds("outcome:unhealed", seconds(120))) << Failure();
  EXPECT_EQ(Path(), (std::vector<std::string>{
                        "decision:matched", "action:delete_pod:done", "verify:delete_pod:failed",
                        "action:restart:done", "verify:restart:failed", "action:notify:done",
                        "escalation:escalated:steps_exhausted", "outcome:unhealed"}))
      << Failure();
  EXPECT_EQ(daemon_->Metric("rebound_escalations_total{playbook=\"replicas-unavailable-restore\"}"), 1);
  ExpectWellFormedSlack(3);
  bool escalated = false;
  for (const json& m : slack_.Messages()) {
    escalated |= m["text"].get<std::string>().find("please look") != std::string::npos;
  }
  EXPECT_TRUE(escalated);
}

TEST_F(HealingIntegrationTest, MemoryLeakIsHealedByARestart) {
  std::string pod = FirstPod("cart");
  ASSERT_FALSE(pod.empty());
  const std::string alert = "ContainerMemoryGrowth namespace=shop pod=" + pod;
  Fire(alert);
  ASSERT_TRUE(WaitFor([&] { return !Jsonpath("deployment/cart", ".spec.template.metadata.annotations").empty(); },
                      seconds(30)))
      << Failure();
  ASSERT_TRUE(WaitFor([&] { return FirstPod("cart") != pod && Jsonpath("deployment/cart", ".status.updatedReplicas") == "2"; },
                      seconds(30)));
  Resolve(alert);
  ASSERT_TRUE(PathEnds("outcome:healed", seconds(60))) << Failure();
  EXPECT_EQ(Path(), (std::vector<std::string>{"decision:matched", "action:restart:done",
                                              "verify:restart:passed", "outcome:healed"}))
      << Failure();
}

TEST_F(HealingIntegrationTest, DryRunDecidesButChangesNothing) {
  std::string pods_before = Kubectl("get pods -n shop -o name");
  std::string pod = FirstPod("web");
  Fire("KubePodNotReady namespace=shop pod=" + pod);
  ASSERT_TRUE(PathEnds("outcome:dry_run", seconds(60))) << Failure();
  EXPECT_EQ(Path(), (std::vector<std::string>{"decision:matched", "action:delete_pod:dry_run",
                                              "action:notify:dry_run", "outcome:dry_run"}))
      << Failure();
  EXPECT_EQ(Kubectl("get pods -n shop -o name"), pods_before);
  EXPECT_EQ(Kubectl("get events -n shop --field-selector reason=ReboundHeal -o name"), "");
  ExpectWellFormedSlack(1);
  for (const json& m : slack_.Messages()) EXPECT_NE(m.dump().find("DRY-RUN"), std::string::npos);
}

TEST_F(HealingIntegrationTest, GuardrailRefusalsAreVisibleAndTheKillSwitchHolds) {
  // Paused: nothing runs, and the refusal says why.
  common::CurlHttpClient http;
  common::HttpClientRequest pause;
  pause.method = "POST";
  pause.url = daemon_->Url("/api/v1/pause");
  auto refused = http.Send(pause);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);  // the kill switch needs the webhook's credentials
  pause.headers.emplace_back("Authorization", std::string("Bearer ") + ReboundDaemon::kToken);
  auto paused = http.Send(pause);
  ASSERT_TRUE(paused.ok());
  ASSERT_EQ(paused->status, 200) << paused->body;
  EXPECT_EQ(daemon_->Metric("rebound_paused"), 1);

  std::string image = Jsonpath("deployment/web", ".spec.template.metadata");
  Fire("KubeDeploymentReplicasMismatch namespace=shop deployment=web");
  ASSERT_TRUE(PathEnds("decision:refused:paused", seconds(60))) << Failure();
  EXPECT_EQ(daemon_->Metric("rebound_guardrail_blocks_total{reason=\"paused\"}"), 1);
  EXPECT_EQ(Jsonpath("deployment/web", ".spec.template.metadata"), image);
  auto status = daemon_->Get("/api/v1/status");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(json::parse(status->body)["data"]["paused"], true);
  ExpectWellFormedSlack(1);
}

}  // namespace
}  // namespace rebound::testing
