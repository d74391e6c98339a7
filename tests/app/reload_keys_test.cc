#include "app/reload_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rebound::app {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Config Running() {
  Config c;
  c.listen = "127.0.0.1:9464";
  c.state_dir = "/var/lib/rebound";
  c.slack.webhook_url_file = "/etc/rebound/slack-url";
  c.slack.channel = "#ops";
  c.slack.dashboard_url = "https://grafana.example/d/rebound";
  c.playbooks = {"/etc/rebound/playbooks/*.yaml"};
  return c;
}

// The Slack notifier is built at start with the dashboard link, so a new link waits for a
// restart: the reload says so and the running value stays in force.
TEST(ReloadKeysTest, SlackDashboardUrlNeedsARestartAndIsNotDroppedSilently) {
  Config running = Running();
  Config next = running;
  next.slack.dashboard_url = "https://grafana.example/d/other";
  EXPECT_THAT(RestartRequiredChanges(running, next), ElementsAre("slack.dashboard_url"));
  Config in_force = KeepRestartRequired(running, next);
  EXPECT_EQ(in_force.slack.dashboard_url, "https://grafana.example/d/rebound");
  // Compared against what is in force, the next reload of the same file warns again.
  EXPECT_THAT(RestartRequiredChanges(in_force, next), ElementsAre("slack.dashboard_url"));
}

TEST(ReloadKeysTest, AnUnchangedConfigReportsNothing) {
  EXPECT_THAT(RestartRequiredChanges(Running(), Running()), IsEmpty());
}

TEST(ReloadKeysTest, KeysAppliedOnReloadTakeTheNewValue) {
  Config running = Running();
  Config next = running;
  next.webhook.max_body_bytes = 2048;
  next.webhook.queue_capacity = 7;
  next.webhook.bearer_token_file = "/etc/rebound/token";
  next.secrets.bearer_token = "tok";
  next.playbooks = {"/srv/playbooks/*.yaml"};
  next.guardrails.dry_run = true;
  next.log.level = "debug";
  EXPECT_THAT(RestartRequiredChanges(running, next), IsEmpty());
  Config in_force = KeepRestartRequired(running, next);
  EXPECT_EQ(in_force.webhook.max_body_bytes, 2048u);
  EXPECT_EQ(in_force.webhook.queue_capacity, 7u);
  EXPECT_EQ(in_force.secrets.bearer_token, "tok");
  EXPECT_EQ(in_force.playbooks, next.playbooks);
  EXPECT_TRUE(in_force.guardrails.dry_run);
  EXPECT_EQ(in_force.log.level, "debug");
}

// Every restart-required key is noticed when it alone changes and is kept at its running value:
// a row comparing or copying the wrong field fails here.
TEST(ReloadKeysTest, EveryRestartRequiredKeyIsReportedAndKept) {
  Config running = Running();
  Config next = running;
  next.listen = "127.0.0.1:9465";
  next.tls.cert_file = "/tls.crt";
  next.tls.key_file = "/tls.key";
  next.state_dir = "/srv/rebound";
  next.journal.retention = std::chrono::hours(1);
  next.journal.max_rows = 1;
  next.kubernetes.mode = "kubeconfig";
  next.kubernetes.kubeconfig = "/kubeconfig";
  next.kubernetes.context = "kind";
  next.prometheus.url = "http://prometheus:9090";
  next.prometheus.timeout = std::chrono::seconds(1);
  next.alertmanager.url = "http://alertmanager:9093";
  next.alertmanager.timeout = std::chrono::seconds(2);
  next.slack.webhook_url_file = "";
  next.slack.webhook_url_env = "SLACK_URL";
  next.slack.channel = "#other";
  next.slack.dashboard_url = "";
  next.healing.max_concurrent = 1;
  next.healing.verify_interval = std::chrono::seconds(1);
  next.chaos.max_concurrent = 3;
  next.chaos.poll_interval = std::chrono::seconds(2);
  next.chaos.settle = std::chrono::seconds(3);
  next.anomaly.step = std::chrono::seconds(60);
  next.anomaly.on_missing_data = controller::anomaly::OnMissingData::kAct;
  next.leader_election.enabled = true;
  next.leader_election.lease_name = "other";
  next.leader_election.lease_namespace = "ops";
  next.leader_election.lease_duration = std::chrono::seconds(30);
  next.leader_election.renew_deadline = std::chrono::seconds(20);
  next.leader_election.retry_period = std::chrono::seconds(4);
  next.server.threads = 2;
  next.server.max_connections = 10;
  next.server.request_timeout = std::chrono::seconds(1);
  next.server.body_timeout = std::chrono::seconds(2);

  std::vector<std::string_view> restart_keys;
  for (const ReloadKey& key : ReloadKeys()) {
    if (key.apply == ReloadApply::kRestart) restart_keys.push_back(key.key);
  }
  EXPECT_EQ(RestartRequiredChanges(running, next), restart_keys);
  EXPECT_THAT(RestartRequiredChanges(running, KeepRestartRequired(running, next)), IsEmpty());

  // Each key is reported alone, so no row compares a field another row also covers.
  for (const ReloadKey& key : ReloadKeys()) {
    if (key.apply != ReloadApply::kRestart) continue;
    Config one = running;
    key.copy(next, one);
    EXPECT_THAT(RestartRequiredChanges(running, one), ElementsAre(key.key));
  }
}

TEST(ReloadKeysTest, TableIsWellFormed) {
  std::set<std::string_view> seen;
  for (const ReloadKey& key : ReloadKeys()) {
    EXPECT_TRUE(seen.insert(key.key).second) << "listed twice: " << key.key;
    bool restart = key.apply == ReloadApply::kRestart;
    EXPECT_EQ(key.differs != nullptr, restart) << key.key;
    EXPECT_EQ(key.copy != nullptr, restart) << key.key;
  }
  EXPECT_THAT(ReloadAppliers(),
              ElementsAre(ReloadApply::kAnomalySignals, ReloadApply::kHealing,
                          ReloadApply::kLogging, ReloadApply::kHttpAuth,
                          ReloadApply::kWebhookBodyLimit, ReloadApply::kQueueCapacity));
}

}  // namespace
}  // namespace rebound::app
