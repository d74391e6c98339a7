// Chaos end to end on real processes, all on 127.0.0.1 with ports chosen at run time: kubesim
// (the cluster, as kubectl sees it), a real Prometheus scraping kubesim and rebound and
// evaluating the test's alert rules (tests/data/chaos/integration/chaos.rules.yml) every
// second, a real Alertmanager sending them to rebound, a Slack sink, and `rebound run` with the
// test's restore playbook and experiments (restore.playbook.yaml).
//
// A scale-to-zero of an opted-in Deployment makes DeploymentBelowIntendedReplicas fire; the
// restore playbook scales the Deployment back, and the run is `recovered` only because the
// heal log shows that playbook acting. With the playbook in dry run nothing heals: the run
// fails, chaos undoes its own fault, and the test's ReboundChaosRecoveryFailed equivalent
// fires in Prometheus. A critical alert posted to Alertmanager skips a run, or aborts one in
// progress (chaos undoes its fault); a daemon killed (SIGKILL) mid-run closes the run and undoes
// the fault when it starts again.
//
// REBOUND_CHAOS_REPEAT=N repeats the recovered run N times and prints the times to recovery
// (the measurement in docs/experiments.md); it is not a CI setting.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/http_client.h"
#include "common/percent_encoding.h"
#include "common/time_format.h"
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

constexpr char kChaosScenario[] = R"(
namespaces: [shop]
nodes:
  - {name: node-1}
deployments:
  - {name: checkout, namespace: shop, replicas: 3}
  - {name: cart, namespace: shop, replicas: 3}
)";

constexpr char kChaosExperiment[] = "checkout-scale-to-zero";

std::string ChaosDataFile(const std::string& name) {
  return std::string(REBOUND_SOURCE_DIR) + "/tests/data/chaos/integration/" + name;
}

class ChaosIntegrationTest : public ::testing::Test {
 protected:
  // Starts everything; `playbook_dry_run` puts the restore playbook in dry run.
  void StartStack(bool playbook_dry_run, const std::string& recover_within) {
    ASSERT_TRUE(slack_.Start().ok());
    kubesim::testing::KubesimHarness::Options options;
    options.scenario = kChaosScenario;
    ASSERT_TRUE(kubesim_.Start(options));

    std::string playbooks = ReadFile(ChaosDataFile("restore.playbook.yaml"));
    playbooks = std::regex_replace(playbooks, std::regex("RECOVER_WITHIN"), recover_within);
    if (playbook_dry_run) {
      playbooks = std::regex_replace(playbooks, std::regex("spec:\n  match:"),
                                     "spec:\n  dryRun: true\n  match:");
    }
    RunCommand("mkdir -p " + dir_.File("playbooks"));
    WriteFile(dir_.File("playbooks/restore.yaml"), playbooks);
    WriteFile(dir_.File("slack-url"), slack_.Url() + "\n");

    // Ports first: rebound, Alertmanager and Prometheus each need another's address.
    daemon_ = std::make_unique<ReboundDaemon>(dir_);
    am_ = std::make_unique<Alertmanager>(dir_, daemon_->Url("/webhook/alertmanager"),
                                         dir_.File("webhook-token"));
    Prometheus::Options prom_options;
    prom_options.scrape_targets = {kubesim_.url().substr(std::string("http://").size()),
                                   "127.0.0.1:" + std::to_string(daemon_->port())};
    prom_options.extra_yaml = "rule_files: [\"" + ChaosDataFile("chaos.rules.yml") +
                              "\"]\n"
                              "alerting:\n  alertmanagers:\n    - static_configs:\n"
                              "        - targets: [\"" +
                              am_->Url().substr(std::string("http://").size()) + "\"]\n";
    prometheus_ = std::make_unique<Prometheus>(dir_, prom_options);
    daemon_->WriteConfig("kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim_.Kubeconfig("") +
                         " }\n"
                         "prometheus: { url: \"" +
                         prometheus_->Url() +
                         "\" }\n"
                         "alertmanager: { url: \"" +
                         am_->Url() +
                         "\" }\n"
                         "slack: { webhook_url_file: slack-url, channel: \"#ops\" }\n"
                         "playbooks: [ \"playbooks/*.yaml\" ]\n"
                         "healing: { verify_interval: 1s }\n"
                         // Prometheus scrapes every second: 3 s of steady state after
                         // the Deployment is back were measured on the healed system.
                         "chaos: { poll_interval: 1s, settle: 3s }\n"
                         // Repeated runs (REBOUND_CHAOS_REPEAT) heal the same Deployment.
                         "guardrails: { cooldown: 0s }\n");
    ASSERT_TRUE(prometheus_->Start());
    ASSERT_TRUE(am_->Start());
    ASSERT_TRUE(daemon_->Start());
    ASSERT_TRUE(prometheus_->WaitForTargetsUp(seconds(60)));
    ASSERT_EQ(Kubectl("label deployment checkout -n shop rebound.io/chaos=enabled").exit_code, 0);
    ASSERT_TRUE(WaitUntilQuiet()) << Failure();
  }

  // Until the steady state holds in Prometheus, no test alert fires and nothing heals: a run
  // started now is not skipped for the start-up's own noise.
  bool WaitUntilQuiet() {
    return WaitFor(
        [&] {
          json steady = Query(
              "kube_deployment_status_replicas_available{namespace=\"shop\","
              "deployment=\"checkout\"} >= 3");
          json alerts = Query("ALERTS{alertname=\"DeploymentBelowIntendedReplicas\"}");
          common::Result<common::HttpClientResponse> status = daemon_->Get("/api/v1/status");
          if (!status.ok()) return false;
          json data = json::parse(status->body)["data"];
          return !steady.empty() && alerts.empty() && data["remediations"].empty();
        },
        seconds(60));
  }

  // The result vector of an instant query, now or at `time` (empty on any error).
  json Query(const std::string& promql, std::optional<common::Timestamp> time = std::nullopt) {
    common::HttpClientRequest request;
    request.url = prometheus_->Url() + "/api/v1/query?query=" + common::PercentEncode(promql);
    if (time) request.url += "&time=" + common::PercentEncode(common::FormatRfc3339(*time));
    request.timeout = seconds(5);
    common::Result<common::HttpClientResponse> response = http_.Send(request);
    if (!response.ok() || response->status != 200) return json::array();
    return json::parse(response->body)["data"]["result"];
  }

  common::Result<common::HttpClientResponse> Trigger(const std::string& experiment) {
    common::HttpClientRequest request;
    request.method = "POST";
    request.url = daemon_->Url("/api/v1/chaos/experiments/" + experiment + "/run");
    request.timeout = seconds(10);
    request.headers = {{"Authorization", std::string("Bearer ") + ReboundDaemon::kToken}};
    return http_.Send(request);
  }

  // Starts a run of `experiment` now; its id, or 0 when the API refused.
  int64_t StartRun(const std::string& experiment) {
    common::Result<common::HttpClientResponse> response = Trigger(experiment);
    if (!response.ok() || response->status != 202) return 0;
    return json::parse(response->body)["data"]["id"];
  }

  // The run once in `phase` ("watch", "done", ...), or its last state at the deadline.
  json WaitForRun(int64_t id, seconds timeout, const std::string& phase = "done") {
    json run;
    WaitFor(
        [&] {
          auto response = daemon_->Get("/api/v1/chaos/runs/" + std::to_string(id));
          if (!response.ok() || response->status != 200) return false;
          run = json::parse(response->body)["data"];
          return run["phase"] == phase;
        },
        timeout);
    return run;
  }

  // Posts a critical alert `name` to Alertmanager, firing for an hour or (`firing` false)
  // resolved a minute ago, and waits until Alertmanager lists it as active or no longer does.
  bool PostCriticalAlert(const std::string& name, bool firing) {
    const auto now = std::chrono::system_clock::now();
    const auto ends = firing ? now + std::chrono::hours(1) : now - std::chrono::minutes(1);
    auto rfc3339 = [](std::chrono::system_clock::time_point t) {
      return common::FormatRfc3339(common::Timestamp::FromTimePoint(t));
    };
    common::HttpClientRequest request;
    request.method = "POST";
    request.url = am_->Url() + "/api/v2/alerts";
    request.timeout = seconds(5);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json::array({{{"labels", {{"alertname", name}, {"severity", "critical"}}},
                                 {"startsAt", rfc3339(now - std::chrono::minutes(2))},
                                 {"endsAt", rfc3339(ends)}}})
                       .dump();
    common::Result<common::HttpClientResponse> posted = http_.Send(request);
    if (!posted.ok() || posted->status != 200) return false;
    return WaitFor(
        [&] {
          common::HttpClientRequest get;
          get.url = am_->Url() + "/api/v2/alerts?active=true&filter=" +
                    common::PercentEncode("alertname=\"" + name + "\"");
          get.timeout = seconds(5);
          common::Result<common::HttpClientResponse> listed = http_.Send(get);
          if (!listed.ok() || listed->status != 200) return false;
          return json::parse(listed->body).empty() != firing;
        },
        seconds(10));
  }

  // The newest run of `experiment` (GET /api/v1/chaos).
  json LastRun(const std::string& experiment) {
    auto response = daemon_->Get("/api/v1/chaos");
    if (!response.ok()) return nullptr;
    json chaos = json::parse(response->body);
    for (const json& e : chaos["data"]["experiments"]) {
      if (e["name"] == experiment) return e["lastRun"];
    }
    return nullptr;
  }

  // Where the time to recovery of `run` went, in seconds after injection: the fault seen by
  // the run, the alert active in Prometheus (firing 2 s later, its `for`), the webhook's
  // episode decided by rebound, the playbook's scale done, the first ready poll of the
  // verified streak (recoveredAt), and the run's end (after chaos.settle).
  std::string Breakdown(const json& run) {
    auto at = [](const json& text) {
      if (!text.is_string()) return std::chrono::system_clock::time_point();
      common::Result<common::Timestamp> t = common::ParseRfc3339(text.get<std::string>());
      return t.ok() ? t->ToTimePoint() : std::chrono::system_clock::time_point();
    };
    const auto injected = at(run["injectedAt"]);
    auto after = [&](std::chrono::system_clock::time_point t) {
      if (t == std::chrono::system_clock::time_point()) return std::string("?");
      char text[32];
      std::snprintf(text, sizeof text, "%.1f", std::chrono::duration<double>(t - injected).count());
      return std::string(text);
    };
    std::chrono::system_clock::time_point decided, acted;
    for (const json& r : HealRecords(*daemon_)) {
      if (r.value("target", "") != "Deployment shop/checkout" || at(r["at"]) < injected) continue;
      if (r["kind"] == "decision" && decided == decltype(decided)()) decided = at(r["at"]);
      if (r["kind"] == "action" && r["result"] == "done" && acted == decltype(acted)()) {
        acted = at(r["at"]);
      }
    }
    std::chrono::system_clock::time_point active;
    if (acted != decltype(acted)()) {
      json state = Query(
          "ALERTS_FOR_STATE{alertname=\"DeploymentBelowIntendedReplicas\","
          "deployment=\"checkout\"}",
          common::Timestamp::FromTimePoint(acted));
      if (!state.empty()) {
        active = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::duration<double>(std::stod(state[0]["value"][1].get<std::string>()))));
      }
    }
    return "fault seen +" + after(at(run["faultObservedAt"])) + "s, alert active +" +
           after(active) + "s, decided +" + after(decided) + "s, scaled +" + after(acted) +
           "s, ready +" + after(at(run["recoveredAt"])) + "s, closed +" +
           after(at(run["steps"].back()["at"])) + "s";
  }

  CommandResult ChaosCli(const std::string& args) {
    return RunCommand(BinaryPath("rebound") + " chaos " + args + " -c " + daemon_->config_path() +
                      " 2>&1");
  }
  CommandResult Kubectl(const std::string& args) { return kubesim_.Kubectl(args); }
  std::string Replicas(const std::string& name) {
    return Kubectl("get deployment " + name + " -n shop -o jsonpath={.spec.replicas}").output;
  }
  std::string Failure() { return "\nrebound log:\n" + daemon_->process().Log(); }

  TempDir dir_;
  SlackSink slack_;
  kubesim::testing::KubesimHarness kubesim_;
  std::unique_ptr<ReboundDaemon> daemon_;
  std::unique_ptr<Alertmanager> am_;
  std::unique_ptr<Prometheus> prometheus_;
  common::CurlHttpClient http_;
};

TEST_F(ChaosIntegrationTest, ScaleToZeroIsHealedByThePlaybookAndTheRunRecovers) {
  StartStack(/*playbook_dry_run=*/false, "90s");
  const char* repeat_env = std::getenv("REBOUND_CHAOS_REPEAT");
  const int repeat = repeat_env != nullptr ? std::max(1, std::atoi(repeat_env)) : 1;
  std::vector<double> recoveries;
  for (int i = 0; i < repeat; ++i) {
    if (i > 0) {
      ASSERT_TRUE(WaitUntilQuiet()) << Failure();
    }
    // `rebound chaos run` follows the run to its end and exits 0 only for `recovered`.
    CommandResult cli = ChaosCli(std::string("run ") + kChaosExperiment);
    ASSERT_EQ(cli.exit_code, 0) << cli.output << Failure();
    EXPECT_NE(cli.output.find("recovered in"), std::string::npos) << cli.output;
    EXPECT_NE(cli.output.find("inject"), std::string::npos) << cli.output;
    json run = LastRun(kChaosExperiment);
    ASSERT_TRUE(run.is_object()) << Failure();
    EXPECT_EQ(run["result"], "recovered") << run.dump(2);
    EXPECT_FALSE(run["restoredByChaos"].get<bool>());
    recoveries.push_back(run["recoverySeconds"].get<double>());
    std::printf("run %d: recovered in %.1fs: %s\n", i + 1, recoveries.back(),
                Breakdown(WaitForRun(run["id"].get<int64_t>(), seconds(5))).c_str());
  }
  EXPECT_EQ(Replicas("checkout"), "3");
  EXPECT_EQ(daemon_->Metric("rebound_chaos_runs_total{experiment=\"checkout-scale-to-zero\","
                            "result=\"recovered\"}"),
            repeat);
  EXPECT_EQ(daemon_->Metric(
                "rebound_chaos_recovery_seconds_count{experiment=\"checkout-scale-to-zero\"}"),
            repeat);
  EXPECT_EQ(daemon_->Metric("rebound_chaos_active{experiment=\"checkout-scale-to-zero\"}"), 0);
  EXPECT_GT(
      daemon_->Metric(
          "rebound_playbook_last_proven_timestamp_seconds{playbook=\"restore-replicas-test\"}"),
      1.7e9);
  // kubectl sees the drill on the Deployment.
  std::string events =
      Kubectl("get events -n shop --field-selector reason=ReboundChaos -o name").output;
  EXPECT_GE(std::count(events.begin(), events.end(), '\n'), 2) << events;
  // One Slack summary per run, and healing's messages about checkout are marked as a drill.
  ASSERT_TRUE(slack_.WaitForMessages(1, seconds(20)));
  int summaries = 0;
  bool healing_drill = false;
  for (const json& m : slack_.Messages()) {
    std::string text = m["text"];
    if (text.find("Chaos run") != std::string::npos) ++summaries;
    if (text.find("Chaos run") == std::string::npos && text.find("[DRILL]") != std::string::npos) {
      healing_drill = true;
    }
  }
  EXPECT_EQ(summaries, repeat);
  EXPECT_TRUE(healing_drill);
  // Coverage shows the playbook proven.
  json coverage = json::parse(daemon_->Get("/api/v1/coverage")->body);
  ASSERT_EQ(coverage["playbooks"].size(), 1u) << coverage.dump();
  EXPECT_EQ(coverage["playbooks"][0]["playbook"], "restore-replicas-test");
  EXPECT_TRUE(coverage["playbooks"][0]["last_proven"].is_string());
  EXPECT_EQ(coverage["playbooks"][0]["experiments"],
            json::array({"checkout-scale-to-zero", "cart-scale-to-zero"}));

  std::sort(recoveries.begin(), recoveries.end());
  std::printf("time to recovery over %zu run(s): median %.1fs, max %.1fs\n", recoveries.size(),
              recoveries[recoveries.size() / 2], recoveries.back());
}

TEST_F(ChaosIntegrationTest, WithoutTheHealingPlaybookTheRunFailsAndChaosRestoresTheReplicas) {
  StartStack(/*playbook_dry_run=*/true, "15s");
  CommandResult cli = ChaosCli(std::string("run ") + kChaosExperiment);
  EXPECT_EQ(cli.exit_code, 1) << cli.output << Failure();
  EXPECT_NE(cli.output.find("failed"), std::string::npos) << cli.output;
  json run = LastRun(kChaosExperiment);
  ASSERT_TRUE(run.is_object()) << Failure();
  EXPECT_EQ(run["result"], "failed") << run.dump(2);
  EXPECT_TRUE(run["restoredByChaos"].get<bool>()) << run.dump(2);
  EXPECT_TRUE(WaitFor([&] { return Replicas("checkout") == "3"; }, seconds(10)));
  EXPECT_EQ(daemon_->Metric("rebound_chaos_runs_total{experiment=\"checkout-scale-to-zero\","
                            "result=\"failed\"}"),
            1);
  // Prometheus scrapes the failure and the alert fires.
  EXPECT_TRUE(WaitFor(
      [&] {
        return !Query("ALERTS{alertname=\"TestChaosRecoveryFailed\",alertstate=\"firing\"}")
                    .empty();
      },
      seconds(30)))
      << prometheus_->Log();
}

TEST_F(ChaosIntegrationTest, WorkloadWithoutTheOptInLabelIsNeverTouched) {
  StartStack(/*playbook_dry_run=*/false, "30s");
  auto response = Trigger("cart-scale-to-zero");
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->status, 202) << response->body;
  std::optional<std::string_view> location = response->Header("location");
  ASSERT_TRUE(location.has_value());
  int64_t id = json::parse(response->body)["data"]["id"];
  EXPECT_EQ(*location, "/api/v1/chaos/runs/" + std::to_string(id));
  json run = WaitForRun(id, seconds(30));
  EXPECT_EQ(run["result"], "skipped") << run.dump(2);
  EXPECT_NE(run["reason"].get<std::string>().find("rebound.io/chaos"), std::string::npos)
      << run.dump(2);
  EXPECT_EQ(Replicas("cart"), "3");
  EXPECT_FALSE(run.contains("injectedAt"));

  // The API's refusals.
  EXPECT_EQ(Trigger("no-such-experiment")->status, 404);
  common::HttpClientRequest unauthenticated;
  unauthenticated.method = "POST";
  unauthenticated.url = daemon_->Url("/api/v1/chaos/experiments/cart-scale-to-zero/run");
  EXPECT_EQ(http_.Send(unauthenticated)->status, 401);
  EXPECT_EQ(daemon_->Get("/api/v1/chaos/runs/999999")->status, 404);
}

// (d) Real trouble stops chaos: a critical alert already firing skips the run; one that starts
// firing while a run watches aborts it, and chaos undoes its fault. The playbook is in dry run
// so that the fault stays in place until chaos undoes it.
TEST_F(ChaosIntegrationTest, AFiringCriticalAlertSkipsARunAndAbortsARunInProgress) {
  StartStack(/*playbook_dry_run=*/true, "60s");
  // The run's reason names the alert: "alert firing: {alertname="TestRealTrouble", ...}".
  auto names_the_trouble = [](const json& run) {
    const std::string reason = run.value("reason", "");
    return reason.starts_with("alert firing: ") &&
           reason.find("alertname=\"TestRealTrouble\"") != std::string::npos;
  };
  ASSERT_TRUE(PostCriticalAlert("TestRealTrouble", /*firing=*/true)) << am_->Log();
  int64_t skipped_id = StartRun(kChaosExperiment);
  ASSERT_GT(skipped_id, 0) << Failure();
  json skipped = WaitForRun(skipped_id, seconds(30));
  EXPECT_EQ(skipped["result"], "skipped") << skipped.dump(2);
  EXPECT_TRUE(names_the_trouble(skipped)) << skipped.dump(2);
  EXPECT_FALSE(skipped.contains("injectedAt")) << skipped.dump(2);
  EXPECT_EQ(Replicas("checkout"), "3");

  ASSERT_TRUE(PostCriticalAlert("TestRealTrouble", /*firing=*/false)) << am_->Log();
  int64_t id = StartRun(kChaosExperiment);
  ASSERT_GT(id, 0) << Failure();
  json watching = WaitForRun(id, seconds(30), "watch");
  ASSERT_EQ(watching["phase"], "watch") << watching.dump(2) << Failure();
  EXPECT_EQ(Replicas("checkout"), "0");
  ASSERT_TRUE(PostCriticalAlert("TestRealTrouble", /*firing=*/true)) << am_->Log();
  json run = WaitForRun(id, seconds(30));
  EXPECT_EQ(run["result"], "aborted") << run.dump(2);
  EXPECT_TRUE(names_the_trouble(run)) << run.dump(2);
  EXPECT_TRUE(run["restoredByChaos"].get<bool>()) << run.dump(2);
  EXPECT_EQ(Replicas("checkout"), "3");
  EXPECT_EQ(daemon_->Metric("rebound_chaos_runs_total{experiment=\"checkout-scale-to-zero\","
                            "result=\"skipped\"}"),
            1);
  EXPECT_EQ(daemon_->Metric("rebound_chaos_runs_total{experiment=\"checkout-scale-to-zero\","
                            "result=\"aborted\"}"),
            1);
}

// (e) SIGKILL while a run watches its fault: the restarted daemon finds the unfinished run in
// the run log, closes it and undoes the fault (the playbook is in dry run: nothing else would).
TEST_F(ChaosIntegrationTest, ARunCutShortBySigkillIsClosedAndItsFaultUndoneAfterTheRestart) {
  StartStack(/*playbook_dry_run=*/true, "120s");
  int64_t id = StartRun(kChaosExperiment);
  ASSERT_GT(id, 0) << Failure();
  json watching = WaitForRun(id, seconds(30), "watch");
  ASSERT_EQ(watching["phase"], "watch") << watching.dump(2) << Failure();
  daemon_->process().Signal(SIGKILL);
  ASSERT_EQ(daemon_->process().Wait(seconds(30)), 128 + SIGKILL);
  EXPECT_EQ(Replicas("checkout"), "0");  // the damage outlives the process

  ASSERT_TRUE(daemon_->Start()) << Failure();
  json run = WaitForRun(id, seconds(30));
  EXPECT_EQ(run["result"], "aborted") << run.dump(2);
  EXPECT_NE(run["reason"].get<std::string>().find("interrupted by a restart"), std::string::npos)
      << run.dump(2);
  EXPECT_TRUE(run["restoredByChaos"].get<bool>()) << run.dump(2);
  EXPECT_FALSE(run["restoreOwed"].get<bool>()) << run.dump(2);
  EXPECT_EQ(Replicas("checkout"), "3");
  EXPECT_EQ(daemon_->Metric("rebound_chaos_runs_total{experiment=\"checkout-scale-to-zero\","
                            "result=\"aborted\"}"),
            1);
}

}  // namespace
}  // namespace rebound::testing
