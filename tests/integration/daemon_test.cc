// The real `rebound` binary over real HTTP on 127.0.0.1.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/support/rebound_daemon.h"
#include "tests/support/slack_sink.h"
#include "tests/support/test_data.h"

namespace rebound::testing {
namespace {

std::string Fixture(const std::string& name) {
  return AlertmanagerPayload(name);
}

TEST(DaemonTest, ServesProbesAndLintCleanMetrics) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  EXPECT_EQ(daemon.Get("/healthz")->status, 200);
  EXPECT_EQ(daemon.Get("/readyz")->status, 200);
  ASSERT_EQ(daemon.PostWebhook(Fixture("firing.json"))->status, 200);

  auto metrics = daemon.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("rebound_build_info{"), std::string::npos);
  EXPECT_NE(metrics->body.find("process_resident_memory_bytes"), std::string::npos);
  WriteFile(dir.File("metrics.txt"), metrics->body);
  CommandResult lint = RunCommand("promtool check metrics < " + dir.File("metrics.txt"));
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");
  EXPECT_EQ(daemon.Metric("rebound_alerts_received_total{status=\"firing\"}"), 1);
  EXPECT_EQ(daemon.Metric("rebound_webhook_requests_total{code=\"200\"}"), 1);
  EXPECT_GE(daemon.Metric("rebound_journal_write_seconds_count"), 1);
}

TEST(DaemonTest, RecordsEpisodesAndHandsThemToHealing) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  ASSERT_EQ(daemon.PostWebhook(Fixture("grouped-truncated-firing.json"))->status, 200);
  ASSERT_EQ(daemon.PostWebhook(Fixture("grouped-truncated-firing.json"))->status, 200);
  EXPECT_TRUE(WaitFor([&] { return daemon.Episodes("?state=handled").size() == 2; },
                      std::chrono::seconds(10)));
  nlohmann::json all = daemon.Episodes();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["alertname"], "KubePodCrashLooping");
  EXPECT_EQ(all[0]["labels"]["namespace"], "shop");
  EXPECT_EQ(daemon.Metric("rebound_alerts_deduplicated_total"), 2);

  ASSERT_EQ(daemon.PostWebhook(Fixture("grouped-truncated-resolved.json"))->status, 200);
  EXPECT_EQ(daemon.Episodes("?state=closed").size(), 2u);
  EXPECT_EQ(daemon.Get("/api/v1/episodes?state=bogus")->status, 400);
  EXPECT_EQ(daemon.Get("/api/v1/episodes?limit=0")->status, 400);
}

TEST(DaemonTest, AnswersEveryErrorStatusWithJson) {
  TempDir dir;
  ReboundDaemon daemon(dir, "  max_body_bytes: 4096\n");
  ASSERT_TRUE(daemon.Start());
  auto expect_error = [](const common::Result<common::HttpClientResponse>& r, int status) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(nlohmann::json::parse(r->body)["status"], "error") << r->body;
  };
  expect_error(daemon.PostWebhook(Fixture("firing.json"), "Bearer nope"), 401);
  expect_error(daemon.Get("/webhook/alertmanager"), 405);
  expect_error(daemon.PostWebhook(std::string(5000, ' ')), 413);
  expect_error(daemon.PostWebhook("{not json"), 400);
  expect_error(daemon.PostWebhook(R"({"version":"3","alerts":[]})"), 400);
  expect_error(daemon.Get("/nowhere"), 404);
  common::CurlHttpClient client;
  common::HttpClientRequest plain;
  plain.method = "POST";
  plain.url = daemon.Url("/webhook/alertmanager");
  plain.body = Fixture("firing.json");
  plain.headers = {{"Content-Type", "text/plain"},
                   {"Authorization", std::string("Bearer ") + ReboundDaemon::kToken}};
  expect_error(client.Send(plain), 415);
  EXPECT_EQ(daemon.Metric("rebound_webhook_requests_total{code=\"413\"}"), 1);
  EXPECT_EQ(daemon.Metric("rebound_webhook_requests_total{code=\"405\"}"), 1);
  EXPECT_TRUE(daemon.Episodes().empty());
}

TEST(DaemonTest, ServesHttpsWhenTlsIsConfigured) {
  TempDir dir;
  CommandResult gen = RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir.File("tls.key") + " -out " +
      dir.File("tls.crt"));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  ReboundDaemon daemon(dir, "tls: { cert_file: tls.crt, key_file: tls.key }\n");
  daemon.UseTls(dir.File("tls.crt"));
  ASSERT_TRUE(daemon.Start());
  auto response = daemon.PostWebhook(Fixture("firing.json"));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  // Plain HTTP is not served on a TLS listener.
  CommandResult plain = RunCommand("curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                                   std::to_string(daemon.port()) + "/healthz");
  EXPECT_NE(plain.output, "200") << plain.output;
}

TEST(DaemonTest, SighupReloadsAndKeepsRunningConfigWhenInvalid) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  WriteFile(dir.File("webhook-token"), "rotated\n");
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon.Metric(
                                       "rebound_config_reload_total{result=\"success\"}") == 1; },
                      std::chrono::seconds(10)));
  EXPECT_EQ(daemon.PostWebhook(Fixture("firing.json"))->status, 401);
  EXPECT_EQ(daemon.PostWebhook(Fixture("firing.json"), "Bearer rotated")->status, 200);

  daemon.WriteConfig("bogus_key: 1\n");
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon.Metric(
                                       "rebound_config_reload_total{result=\"failure\"}") == 1; },
                      std::chrono::seconds(10)));
  EXPECT_TRUE(daemon.process().Running());
  EXPECT_EQ(daemon.PostWebhook(Fixture("resolved.json"), "Bearer rotated")->status, 200);
  EXPECT_NE(daemon.process().Log().find("rebound.yaml:"), std::string::npos);
  // Secrets never reach the log.
  EXPECT_EQ(daemon.process().Log().find("rotated"), std::string::npos);
  EXPECT_EQ(daemon.process().Log().find(ReboundDaemon::kToken), std::string::npos);
}

TEST(DaemonTest, SigtermDrainsAndExitsZero) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  ASSERT_EQ(daemon.PostWebhook(Fixture("firing.json"))->status, 200);
  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(std::chrono::seconds(15)), 0) << daemon.process().Log();
  EXPECT_NE(daemon.process().Log().find("stopped"), std::string::npos);
}

// A Slack that takes the request and never answers must not hold up shutdown: Slack gets 5 s
// of drain (docs/cli.md, "Signals"), then the request in flight is cancelled.
TEST(DaemonTest, SigtermWithAHangingSlackExitsAfterTheDrainTime) {
  SlackSink slack;
  ASSERT_TRUE(slack.Start().ok());
  slack.Hang();
  TempDir dir;
  WriteFile(dir.File("slack-url"), slack.Url() + "\n");
  WriteFile(dir.File("playbooks.yaml"), R"(apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: restart-demo
spec:
  match:
    - alertname = "DemoServiceDown"
  target:
    kind: Deployment
    namespace: demo
    name: "{{ labels.service }}"
  steps:
    - action: restart
)");
  ReboundDaemon daemon(dir,
                       "slack: { webhook_url_file: slack-url }\nplaybooks: [ playbooks.yaml ]\n");
  ASSERT_TRUE(daemon.Start());
  // No Kubernetes is configured: the playbook is refused, and the refusal posted to Slack.
  ASSERT_EQ(daemon.PostWebhook(Fixture("firing.json"))->status, 200);
  ASSERT_TRUE(slack.WaitForRequests(1, std::chrono::seconds(20))) << daemon.process().Log();

  const auto start = std::chrono::steady_clock::now();
  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(std::chrono::seconds(20)), 0) << daemon.process().Log();
  const auto took = std::chrono::steady_clock::now() - start;
  // 5 s of drain and about a second for the cancellation to be seen; not the request's own
  // 10 s timeout followed by retries.
  EXPECT_LT(took, std::chrono::seconds(9)) << daemon.process().Log();
  EXPECT_NE(daemon.process().Log().find("Slack webhook: request for"), std::string::npos);
  EXPECT_NE(daemon.process().Log().find("cancelled: shutting down"), std::string::npos)
      << daemon.process().Log();
}

TEST(DaemonTest, OneDaemonPerStateDirAndALockLeftByAKilledOneDoesNotBlock) {
  TempDir dir;
  ReboundDaemon first(dir);
  ASSERT_TRUE(first.Start());
  const std::string holder = "is in use by rebound pid " + std::to_string(first.process().pid());
  EXPECT_NE(ReadFile(first.state_dir() + "/lock").find("rebound pid"), std::string::npos);

  // A second daemon on the same state_dir (its own port) refuses to start and names the first.
  ReboundDaemon second(dir);
  std::unique_ptr<Process> refused = Process::Start(
      {BinaryPath("rebound"), "run", "-c", second.config_path()}, dir.File("second.log"));
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->Wait(std::chrono::seconds(20)), 1) << refused->Log();
  EXPECT_NE(refused->Log().find("state_dir " + first.state_dir() + " " + holder), std::string::npos)
      << refused->Log();
  // Commands that only read the state do not need the lock.
  CommandResult check = RunCommand(BinaryPath("rebound") + " check -c " + second.config_path());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(first.Get("/readyz")->status, 200);

  // SIGKILL leaves the lock file behind; the kernel released the lock itself.
  first.process().Signal(SIGKILL);
  first.process().Wait(std::chrono::seconds(10));
  ASSERT_TRUE(second.Start());
  EXPECT_NE(ReadFile(first.state_dir() + "/lock")
                .find("rebound pid " + std::to_string(second.process().pid())),
            std::string::npos);
}

TEST(DaemonTest, RefusesToStartWithInvalidConfig) {
  TempDir dir;
  WriteFile(dir.File("bad.yaml"), "listen: 127.0.0.1:1\nstate_dir: s\nlog: { format: xml }\n");
  CommandResult run = RunCommand(BinaryPath("rebound") + " run -c " + dir.File("bad.yaml"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("bad.yaml:3:"), std::string::npos) << run.output;
}

TEST(CommandLineTest, CheckReportsFileLineColumn) {
  TempDir dir;
  WriteFile(dir.File("bad.yaml"), "listen: 127.0.0.1:9464\nstate_dir: s\nlistn: x\n");
  CommandResult bad = RunCommand(BinaryPath("rebound") + " check -c " + dir.File("bad.yaml"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find(dir.File("bad.yaml") + ":3:1:"), std::string::npos) << bad.output;
  WriteFile(dir.File("good.yaml"), "listen: 127.0.0.1:9464\nstate_dir: s\n");
  CommandResult good = RunCommand(BinaryPath("rebound") + " check -c " + dir.File("good.yaml"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

TEST(CommandLineTest, HelpAndVersion) {
  for (const char* command : {"run --help", "check --help", "version --help", "--help"}) {
    CommandResult help = RunCommand(BinaryPath("rebound") + " " + command);
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.output.find("Usage: rebound"), std::string::npos) << command;
  }
  CommandResult version = RunCommand(BinaryPath("rebound") + " version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("rebound 0.", 0), 0u) << version.output;
  EXPECT_EQ(RunCommand(BinaryPath("rebound") + " frobnicate").exit_code, 2);
  EXPECT_EQ(RunCommand(BinaryPath("rebound") + " run --bogus").exit_code, 2);
}

}  // namespace
}  // namespace rebound::testing
