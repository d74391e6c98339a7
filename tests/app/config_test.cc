#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rebound::app {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Each test gets a fresh folder for its config and secret files, and its own $HOME.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rebound-config-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    if (const char* home = std::getenv("HOME")) saved_home_ = home;
    setenv("HOME", (dir_ / "home").c_str(), 1);
  }

  void TearDown() override {
    if (saved_home_) {
      setenv("HOME", saved_home_->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
    for (const std::string& name : env_to_clear_) unsetenv(name.c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes `contents` to `name` (relative to the test folder) and returns its absolute path.
  std::string Write(const std::string& name, const std::string& contents) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  void SetEnv(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    env_to_clear_.push_back(name);
  }

  LoadResult Load(const std::string& yaml) { return LoadConfig(Write("rebound.yaml", yaml)); }

  std::string ConfigPath() const { return (dir_ / "rebound.yaml").string(); }
  std::string In(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;

 private:
  std::optional<std::string> saved_home_;
  std::vector<std::string> env_to_clear_;
};

// All errors, one per line, for failure messages.
std::string Dump(const LoadResult& result) {
  std::string out;
  for (const ConfigError& e : result.errors) out += e.ToString() + "\n";
  return out;
}

// Expects exactly one error and checks its position and message.
void ExpectOneError(const LoadResult& result, const std::string& file, int line, int column,
                    const std::string& message) {
  ASSERT_EQ(result.errors.size(), 1u) << Dump(result);
  EXPECT_FALSE(result.config.has_value());
  const ConfigError& e = result.errors[0];
  EXPECT_EQ(e.file, file);
  EXPECT_EQ(e.line, line) << e.ToString();
  EXPECT_EQ(e.column, column) << e.ToString();
  EXPECT_EQ(e.message, message);
}

constexpr const char* kMinimal = "listen: 127.0.0.1:9464\nstate_dir: /var/lib/rebound\n";

TEST_F(ConfigTest, FullConfigLoadsEveryField) {
  Write("tls.crt", "CERT");
  std::string key = Write("keys/tls.key", "KEY");
  Write("webhook-token", "tok-1234\n");
  Write("slack-url", "https://hooks.slack.example/T0/B0/xyz\n");
  std::string yaml = "# Rebound, everything set\nlisten: 0.0.0.0:9464\n";
  yaml += "tls: { cert_file: tls.crt, key_file: " + key + " }\n";
  yaml += R"(webhook:
  bearer_token_file: webhook-token
  max_body_bytes: 2048
  queue_capacity: 50
state_dir: state
journal: { retention: 7d, max_rows: 500 }
kubernetes: { mode: kubeconfig, kubeconfig: ~/kube/config, context: kind-rebound }
prometheus: { url: http://prometheus:9090, timeout: 5s }
alertmanager: { url: "https://alertmanager:9093", timeout: 1m30s }
slack: { webhook_url_file: slack-url, channel: "#ops" }
playbooks: [ "playbooks/*.yaml", /etc/rebound/extra/*.yaml ]
guardrails:
  dry_run: true
  protected_namespaces: [ kube-system, monitoring ]
  max_actions_per_hour: 5
log: { format: json, level: debug }
server: { threads: 8, max_connections: 100, request_timeout: 2500ms, body_timeout: 3s }
)";
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  ASSERT_TRUE(result.config.has_value());
  const Config& c = *result.config;
  EXPECT_EQ(c.file, ConfigPath());
  EXPECT_EQ(c.listen, "0.0.0.0:9464");
  EXPECT_EQ(c.tls.cert_file, In("tls.crt"));
  EXPECT_EQ(c.tls.key_file, key);
  EXPECT_EQ(c.webhook.bearer_token_file, In("webhook-token"));
  EXPECT_EQ(c.webhook.bearer_token_env, "");
  EXPECT_EQ(c.webhook.basic_auth.username, "");
  EXPECT_EQ(c.webhook.max_body_bytes, 2048u);
  EXPECT_EQ(c.webhook.queue_capacity, 50u);
  EXPECT_EQ(c.state_dir, In("state"));
  EXPECT_EQ(c.journal.retention, std::chrono::hours(7 * 24));
  EXPECT_EQ(c.journal.max_rows, 500u);
  EXPECT_EQ(c.kubernetes.mode, "kubeconfig");
  EXPECT_EQ(c.kubernetes.kubeconfig, In("home/kube/config"));
  EXPECT_EQ(c.kubernetes.context, "kind-rebound");
  EXPECT_EQ(c.prometheus.url, "http://prometheus:9090");
  EXPECT_EQ(c.prometheus.timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.alertmanager.url, "https://alertmanager:9093");
  EXPECT_EQ(c.alertmanager.timeout, std::chrono::seconds(90));
  EXPECT_EQ(c.slack.webhook_url_file, In("slack-url"));
  EXPECT_EQ(c.slack.webhook_url_env, "");
  EXPECT_EQ(c.slack.channel, "#ops");
  EXPECT_EQ(c.playbooks,
            (std::vector<std::string>{In("playbooks/*.yaml"), "/etc/rebound/extra/*.yaml"}));
  EXPECT_TRUE(c.guardrails.dry_run);
  EXPECT_EQ(c.guardrails.protected_namespaces,
            (std::vector<std::string>{"kube-system", "monitoring"}));
  EXPECT_EQ(c.guardrails.max_actions_per_hour, 5);
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.server.threads, 8);
  EXPECT_EQ(c.server.max_connections, 100);
  EXPECT_EQ(c.server.request_timeout, milliseconds(2500));
  EXPECT_EQ(c.server.body_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.secrets.bearer_token, "tok-1234");
  EXPECT_EQ(c.secrets.basic_username, "");
  EXPECT_EQ(c.secrets.basic_password, "");
}

TEST_F(ConfigTest, MinimalConfigGetsDefaults) {
  LoadResult result = Load(kMinimal);
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  ASSERT_TRUE(result.config.has_value());
  const Config& c = *result.config;
  EXPECT_EQ(c.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.state_dir, "/var/lib/rebound");
  EXPECT_EQ(c.tls.cert_file, "");
  EXPECT_EQ(c.tls.key_file, "");
  EXPECT_EQ(c.webhook.bearer_token_file, "");
  EXPECT_EQ(c.webhook.max_body_bytes, 1048576u);
  EXPECT_EQ(c.webhook.queue_capacity, 10000u);
  EXPECT_EQ(c.journal.retention, std::chrono::hours(24 * 30));
  EXPECT_EQ(c.journal.max_rows, 100000u);
  EXPECT_EQ(c.kubernetes.mode, "auto");
  EXPECT_EQ(c.kubernetes.kubeconfig, "");
  EXPECT_EQ(c.kubernetes.context, "");
  EXPECT_EQ(c.prometheus.url, "");
  EXPECT_EQ(c.prometheus.timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.alertmanager.url, "");
  EXPECT_EQ(c.alertmanager.timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.slack.webhook_url_file, "");
  EXPECT_EQ(c.slack.channel, "");
  EXPECT_TRUE(c.playbooks.empty());
  EXPECT_FALSE(c.guardrails.dry_run);
  EXPECT_EQ(c.guardrails.protected_namespaces, std::vector<std::string>{"kube-system"});
  EXPECT_EQ(c.guardrails.max_actions_per_hour, 30);
  EXPECT_EQ(c.log.format, "text");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.server.threads, 64);
  EXPECT_EQ(c.server.max_connections, 1024);
  EXPECT_EQ(c.server.request_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.server.body_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.anomaly.step, std::chrono::seconds(30));
  EXPECT_EQ(c.anomaly.on_missing_data, controller::anomaly::OnMissingData::kSkip);
  EXPECT_TRUE(c.anomaly.signals.empty());
  EXPECT_EQ(c.secrets.bearer_token, "");
}

TEST_F(ConfigTest, LeaderElectionDefaultsAreClientGos) {
  LoadResult result = Load(kMinimal);
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  const Config::LeaderElection& e = result.config->leader_election;
  EXPECT_FALSE(e.enabled.has_value());
  EXPECT_EQ(e.lease_name, "rebound");
  EXPECT_EQ(e.lease_namespace, "");
  EXPECT_EQ(e.lease_duration, std::chrono::seconds(15));
  EXPECT_EQ(e.renew_deadline, std::chrono::seconds(10));
  EXPECT_EQ(e.retry_period, std::chrono::seconds(2));
}

TEST_F(ConfigTest, LeaderElectionKeysAreRead) {
  LoadResult result = Load(std::string(kMinimal) +
                           "leader_election: { enabled: false, lease_name: rb, namespace: ops, "
                           "lease_duration: 4s, renew_deadline: 3s, retry_period: 500ms }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  const Config::LeaderElection& e = result.config->leader_election;
  EXPECT_EQ(e.enabled, std::optional<bool>(false));
  EXPECT_EQ(e.lease_name, "rb");
  EXPECT_EQ(e.lease_namespace, "ops");
  EXPECT_EQ(e.lease_duration, std::chrono::seconds(4));
  EXPECT_EQ(e.renew_deadline, std::chrono::seconds(3));
  EXPECT_EQ(e.retry_period, milliseconds(500));
}

TEST_F(ConfigTest, LeaderElectionTimingsMustLetTheLeaderStepDownFirst) {
  ExpectOneError(Load(std::string(kMinimal) + "leader_election:\n  renew_deadline: 15s\n"),
                 ConfigPath(), 4, 3,
                 "\"leader_election.renew_deadline\" (15s) must be shorter than "
                 "\"leader_election.lease_duration\" (15s)");
  ExpectOneError(Load(std::string(kMinimal) + "leader_election:\n  retry_period: 9s\n"),
                 ConfigPath(), 4, 3,
                 "\"leader_election.retry_period\" (9s) times 1.2 must be shorter than "
                 "\"leader_election.renew_deadline\" (10s)");
  LoadResult short_lease =
      Load(std::string(kMinimal) + "leader_election: { lease_duration: 500ms }\n");
  ASSERT_FALSE(short_lease.errors.empty());
  EXPECT_NE(short_lease.errors[0].message.find("lease_duration"), std::string::npos)
      << Dump(short_lease);
  LoadResult empty_name = Load(std::string(kMinimal) + "leader_election: { lease_name: \"\" }\n");
  ASSERT_EQ(empty_name.errors.size(), 1u) << Dump(empty_name);
  EXPECT_EQ(empty_name.errors[0].message, "\"leader_election.lease_name\": must not be empty");
}

TEST_F(ConfigTest, NullValuesCountAsAbsent) {
  LoadResult result = Load(std::string(kMinimal) +
                           "tls:\nwebhook:\n  basic_auth:\nguardrails:\n  protected_namespaces: ~\n"
                           "kubernetes: { context: \"\" }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_EQ(result.config->tls.cert_file, "");
  EXPECT_EQ(result.config->secrets.basic_username, "");
  EXPECT_EQ(result.config->guardrails.protected_namespaces,
            std::vector<std::string>{"kube-system"});
  EXPECT_EQ(result.config->kubernetes.context, "");
}

TEST_F(ConfigTest, EmptyProtectedNamespacesListReplacesTheDefault) {
  LoadResult result = Load(std::string(kMinimal) + "guardrails: { protected_namespaces: [] }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_TRUE(result.config->guardrails.protected_namespaces.empty());
}

TEST_F(ConfigTest, UnknownTopLevelKeySuggestsTheClosest) {
  LoadResult result = Load("listen: 127.0.0.1:9464\nstate_dir: /x\nlistn: 1\n");
  ExpectOneError(result, ConfigPath(), 3, 1, "unknown key \"listn\" (did you mean \"listen\"?)");
}

TEST_F(ConfigTest, UnknownKeyWithNothingCloseListsTheAllowedKeys) {
  LoadResult result = Load(std::string(kMinimal) + "log: { colour: true }\n");
  ExpectOneError(result, ConfigPath(), 3, 8,
                 "unknown key \"colour\" in log (allowed: format, level)");
}

TEST_F(ConfigTest, UnknownNestedKeySuggestsTheClosest) {
  LoadResult result = Load(std::string(kMinimal) + "webhook:\n  queue_capacty: 10\n");
  ExpectOneError(result, ConfigPath(), 4, 3,
                 "unknown key \"queue_capacty\" in webhook (did you mean \"queue_capacity\"?)");
}

TEST_F(ConfigTest, CamelCaseKeySuggestsTheSnakeCaseOne) {
  LoadResult result = Load(std::string(kMinimal) + "webhook:\n  maxBodyBytes: 10\n");
  ExpectOneError(result, ConfigPath(), 4, 3,
                 "unknown key \"maxBodyBytes\" in webhook (did you mean \"max_body_bytes\"?)");
}

TEST_F(ConfigTest, DuplicateKeyIsAnError) {
  LoadResult result = Load(std::string(kMinimal) + "listen: 127.0.0.1:1\n");
  ExpectOneError(result, ConfigPath(), 3, 1, "duplicate key \"listen\" (first set on line 1)");
}

TEST_F(ConfigTest, BadDurationIncludesTheParserMessage) {
  LoadResult result =
      Load(std::string(kMinimal) + "prometheus:\n  url: http://127.0.0.1:9090\n  timeout: 5x\n");
  ExpectOneError(result, ConfigPath(), 5, 12,
                 "\"prometheus.timeout\": invalid duration \"5x\": unknown unit \"x\" "
                 "(use e.g. 30s, 5m, 1h30m)");
}

TEST_F(ConfigTest, ZeroDurationIsRejected) {
  LoadResult result = Load(std::string(kMinimal) + "server: { request_timeout: 0s }\n");
  ExpectOneError(result, ConfigPath(), 3, 28,
                 "\"server.request_timeout\": expected a positive duration, got \"0s\"");
}

TEST_F(ConfigTest, BadListenAddress) {
  LoadResult result = Load("listen: 127.0.0.1\nstate_dir: /x\n");
  ExpectOneError(result, ConfigPath(), 1, 9,
                 "\"listen\": invalid listen address \"127.0.0.1\": missing port "
                 "(expected HOST:PORT, e.g. 127.0.0.1:9464)");
}

TEST_F(ConfigTest, BadEnumListsTheChoices) {
  LoadResult result = Load(std::string(kMinimal) + "kubernetes: { mode: incluster }\n");
  ExpectOneError(result, ConfigPath(), 3, 21,
                 "\"kubernetes.mode\" must be one of auto, in-cluster, kubeconfig "
                 "(got \"incluster\")");
}

TEST_F(ConfigTest, BadLogLevel) {
  LoadResult result = Load(std::string(kMinimal) + "log:\n  level: verbose\n");
  ExpectOneError(result, ConfigPath(), 4, 10,
                 "\"log.level\" must be one of trace, debug, info, warn, error (got \"verbose\")");
}

TEST_F(ConfigTest, BooleanMustBeTrueOrFalse) {
  LoadResult result = Load(std::string(kMinimal) + "guardrails:\n  dry_run: yes\n");
  ExpectOneError(result, ConfigPath(), 4, 12,
                 "\"guardrails.dry_run\": expected a boolean (true or false), got \"yes\"");
}

TEST_F(ConfigTest, QuotedBooleanIsAString) {
  LoadResult result = Load(std::string(kMinimal) + "guardrails: { dry_run: \"true\" }\n");
  ExpectOneError(result, ConfigPath(), 3, 24,
                 "\"guardrails.dry_run\": expected a boolean (true or false), got \"true\"");
}

TEST_F(ConfigTest, NegativeCountIsNotAPositiveInteger) {
  LoadResult result = Load(std::string(kMinimal) + "webhook: { queue_capacity: -5 }\n");
  ExpectOneError(result, ConfigPath(), 3, 28,
                 "\"webhook.queue_capacity\": expected a positive integer, got \"-5\"");
}

TEST_F(ConfigTest, BodyLimitAbove64MiBIsRejected) {
  LoadResult result = Load(std::string(kMinimal) + "webhook: { max_body_bytes: 67108865 }\n");
  ExpectOneError(result, ConfigPath(), 3, 28,
                 "\"webhook.max_body_bytes\": expected a positive integer no larger than "
                 "67108864, got \"67108865\"");
}

TEST_F(ConfigTest, BodyLimitOfExactly64MiBIsAccepted) {
  LoadResult result = Load(std::string(kMinimal) + "webhook: { max_body_bytes: 67108864 }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_EQ(result.config->webhook.max_body_bytes, 64u * 1024 * 1024);
}

TEST_F(ConfigTest, ThreadsOutOfRange) {
  LoadResult result = Load(std::string(kMinimal) + "server: { threads: 2000 }\n");
  ExpectOneError(result, ConfigPath(), 3, 20,
                 "\"server.threads\": expected a positive integer no larger than 1024, "
                 "got \"2000\"");
}

TEST_F(ConfigTest, WrongTypes) {
  LoadResult result = Load(
      "listen: [127.0.0.1:9464]\nstate_dir: /x\nwebhook: 5\n"
      "playbooks: a.yaml\n");
  ASSERT_EQ(result.errors.size(), 3u) << Dump(result);
  EXPECT_EQ(result.errors[0].ToString(),
            ConfigPath() + ":1:9: \"listen\": expected a string, got a sequence");
  EXPECT_EQ(result.errors[1].ToString(),
            ConfigPath() + ":3:10: \"webhook\": expected a mapping, got \"5\"");
  EXPECT_EQ(result.errors[2].ToString(),
            ConfigPath() + ":4:12: \"playbooks\": expected a list of strings, got \"a.yaml\"");
}

TEST_F(ConfigTest, MissingRequiredKeysPointAtTheTopMapping) {
  LoadResult result = Load("# nothing yet\nlog: { level: info }\n");
  ASSERT_EQ(result.errors.size(), 2u) << Dump(result);
  EXPECT_EQ(result.errors[0].ToString(), ConfigPath() + ":2:1: \"listen\" is required");
  EXPECT_EQ(result.errors[1].ToString(), ConfigPath() + ":2:1: \"state_dir\" is required");
  EXPECT_FALSE(result.config.has_value());
}

TEST_F(ConfigTest, RequiredKeyWithNullValuePointsAtTheKey) {
  LoadResult result = Load("state_dir: /x\nlisten:\n");
  ExpectOneError(result, ConfigPath(), 2, 1, "\"listen\" is required");
}

TEST_F(ConfigTest, BearerAndBasicAuthAreExclusive) {
  Write("token", "tok");
  Write("pw", "secret-pw");
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook:\n"
                           "  bearer_token_file: token\n"
                           "  basic_auth: { username: am, password_file: pw }\n");
  ExpectOneError(result, ConfigPath(), 5, 3,
                 "use either bearer_token_file/bearer_token_env or basic_auth in \"webhook\", "
                 "not both");
}

TEST_F(ConfigTest, BearerTokenFileAndEnvAreExclusive) {
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook:\n  bearer_token_env: TOKEN\n  bearer_token_file: token\n");
  ExpectOneError(result, ConfigPath(), 5, 3,
                 "set only one of \"webhook.bearer_token_file\" and \"webhook.bearer_token_env\"");
}

TEST_F(ConfigTest, SlackDashboardUrlMustBeHttp) {
  LoadResult result = Load(std::string(kMinimal) + "slack:\n  dashboard_url: grafana/d/x\n");
  ExpectOneError(result, ConfigPath(), 4, 18,
                 "\"slack.dashboard_url\": expected an http:// or https:// URL, got "
                 "\"grafana/d/x\"");
  LoadResult good =
      Load(std::string(kMinimal) + "slack:\n  dashboard_url: https://grafana.example/d/x\n");
  ASSERT_TRUE(good.config.has_value()) << Dump(good);
  EXPECT_EQ(good.config->slack.dashboard_url, "https://grafana.example/d/x");
}

TEST_F(ConfigTest, GuardrailsAndHealingKeys) {
  LoadResult result = Load(std::string(kMinimal) +
                           "guardrails:\n  cooldown: 5m\n  max_pods_per_action: 2\n"
                           "  circuit_breaker: { failures: 5, window: 2h }\n  paused: true\n"
                           "healing: { max_concurrent: 4, verify_interval: 2s }\n");
  ASSERT_TRUE(result.config.has_value()) << Dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.guardrails.cooldown, std::chrono::minutes(5));
  EXPECT_EQ(c.guardrails.blast_radius.max_pods, 2);
  EXPECT_EQ(c.guardrails.circuit_breaker_failures, 5);
  EXPECT_EQ(c.guardrails.circuit_breaker_window, std::chrono::hours(2));
  EXPECT_TRUE(c.guardrails.paused);
  EXPECT_EQ(c.guardrails.max_actions_per_hour, 30);  // default kept
  EXPECT_EQ(c.healing.max_concurrent, 4u);
  EXPECT_EQ(c.healing.verify_interval, std::chrono::seconds(2));
  LoadResult bad = Load(std::string(kMinimal) + "guardrails:\n  max_percent_per_action: 101\n");
  ASSERT_EQ(bad.errors.size(), 1u) << Dump(bad);
  EXPECT_EQ(bad.errors[0].line, 4);
}

TEST_F(ConfigTest, ChaosMaxConcurrent) {
  EXPECT_EQ(Load(std::string(kMinimal)).config->chaos.max_concurrent, 1);
  LoadResult result = Load(std::string(kMinimal) + "chaos: { max_concurrent: 3 }\n");
  ASSERT_TRUE(result.config.has_value()) << Dump(result);
  EXPECT_EQ(result.config->chaos.max_concurrent, 3);
  LoadResult zero = Load(std::string(kMinimal) + "chaos:\n  max_concurrent: 0\n");
  ASSERT_EQ(zero.errors.size(), 1u) << Dump(zero);
  EXPECT_EQ(zero.errors[0].line, 4);
  EXPECT_NE(zero.errors[0].message.find("chaos.max_concurrent"), std::string::npos);
  LoadResult unknown = Load(std::string(kMinimal) + "chaos: { max_concurent: 3 }\n");
  ASSERT_EQ(unknown.errors.size(), 1u) << Dump(unknown);
  EXPECT_NE(unknown.errors[0].message.find("max_concurrent"), std::string::npos);
}

TEST_F(ConfigTest, ChaosSettle) {
  EXPECT_EQ(Load(std::string(kMinimal)).config->chaos.settle, std::chrono::seconds(30));
  LoadResult result = Load(std::string(kMinimal) + "chaos: { settle: 2s }\n");
  ASSERT_TRUE(result.config.has_value()) << Dump(result);
  EXPECT_EQ(result.config->chaos.settle, std::chrono::seconds(2));
  LoadResult bad = Load(std::string(kMinimal) + "chaos:\n  settle: soon\n");
  ASSERT_EQ(bad.errors.size(), 1u) << Dump(bad);
  EXPECT_EQ(bad.errors[0].line, 4);
  EXPECT_NE(bad.errors[0].message.find("chaos.settle"), std::string::npos) << Dump(bad);
}

constexpr const char* kWithPrometheus =
    "listen: 127.0.0.1:9464\nstate_dir: /x\nprometheus: { url: http://127.0.0.1:9090 }\n";

TEST_F(ConfigTest, AnomalySignalSetsKeepQueryOrderAndDefaults) {
  LoadResult result = Load(std::string(kWithPrometheus) + R"(anomaly:
  step: 1m
  on_missing_data: act
  signals:
    - name: resources
      queries:
        memory: sum by (namespace, workload) (container_memory_working_set_bytes)
        cpu: sum by (namespace, workload) (rate(container_cpu_usage_seconds_total[5m]))
      lookback: 2h
      season: 24h
    - name: errors
      queries: { ratio: 'sum by (namespace, workload) (rate(http_requests_total[5m]))' }
)");
  ASSERT_TRUE(result.config.has_value()) << Dump(result);
  const Config::Anomaly& a = result.config->anomaly;
  EXPECT_EQ(a.step, std::chrono::minutes(1));
  EXPECT_EQ(a.on_missing_data, controller::anomaly::OnMissingData::kAct);
  ASSERT_EQ(a.signals.size(), 2u);
  EXPECT_EQ(a.signals[0].name, "resources");
  ASSERT_EQ(a.signals[0].queries.size(), 2u);
  EXPECT_EQ(a.signals[0].queries[0].name, "memory");
  EXPECT_EQ(a.signals[0].queries[0].query,
            "sum by (namespace, workload) (container_memory_working_set_bytes)");
  EXPECT_EQ(a.signals[0].queries[1].name, "cpu");
  EXPECT_EQ(a.signals[0].lookback, std::chrono::hours(2));
  EXPECT_EQ(a.signals[0].season, std::chrono::hours(24));
  EXPECT_EQ(a.signals[1].name, "errors");
  EXPECT_EQ(a.signals[1].queries.size(), 1u);
  EXPECT_EQ(a.signals[1].lookback, std::chrono::hours(1));
  EXPECT_EQ(a.signals[1].season, milliseconds(0));
}

TEST_F(ConfigTest, AnomalySignalsNeedPrometheus) {
  LoadResult result =
      Load(std::string(kMinimal) + "anomaly:\n  signals: [ { name: m, queries: { mem: up } } ]\n");
  ExpectOneError(result, ConfigPath(), 4, 3,
                 "\"anomaly.signals\" needs \"prometheus.url\" to query the signals from");
}

TEST_F(ConfigTest, AnomalySignalSetErrorsNameTheSetAndField) {
  std::string seventeen;
  for (int i = 0; i < 17; ++i) seventeen += "s" + std::to_string(i) + ": up, ";
  LoadResult result = Load(std::string(kWithPrometheus) + R"(anomaly:
  signals:
    - { name: a, queries: { mem: up }, lookbak: 1h }
    - { name: a, queries: { mem: up } }
    - { queries: {} }
    - { name: c, queries: { mem: '' } }
    - { name: d, queries: { mem: up }, lookback: 100d }
    - { name: e, queries: { mem: up }, lookback: 10s }
    - { name: f, queries: { mem: up }, season: 45s }
    - { name: g, queries: { )" + seventeen + R"(} }
    - { name: h, queries: [ up ] }
)");
  std::vector<std::string> got;
  for (const ConfigError& e : result.errors) {
    got.push_back(std::to_string(e.line) + ": " + e.message);
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{
                "6: unknown key \"lookbak\" in anomaly.signals[0] (did you mean "
                "\"lookback\"?)",
                "7: \"anomaly.signals[1].name\": signal set \"a\" is already defined in "
                "anomaly.signals[0]",
                "8: \"anomaly.signals[2].name\" is required",
                "8: \"anomaly.signals[2].queries\": needs at least one signal",
                "9: \"anomaly.signals[3].queries.mem\": expected a PromQL query, got \"\"",
                "10: \"anomaly.signals[4].lookback\": 100d is more than 11000 steps of 30s, more "
                "than Prometheus answers; shorten it or raise anomaly.step",
                "11: \"anomaly.signals[5].lookback\": expected a duration of at least 30s, got "
                "\"10s\"",
                "12: \"anomaly.signals[6].season\": expected a duration of at least 1m, got "
                "\"45s\"",
                "13: \"anomaly.signals[7].queries\": 17 signals, at most 16 are scored together",
                "14: \"anomaly.signals[8].queries\": expected a mapping of signal names to "
                "PromQL queries, got a sequence",
            }))
      << Dump(result);
  EXPECT_FALSE(result.config.has_value());
}

TEST_F(ConfigTest, AnomalySeasonMustBeWholeSteps) {
  LoadResult result = Load(std::string(kWithPrometheus) +
                           "anomaly:\n  step: 1m\n  signals:\n"
                           "    - { name: m, queries: { mem: up }, season: 150s }\n");
  ExpectOneError(result, ConfigPath(), 7, 48,
                 "\"anomaly.signals[0].season\": must be a whole number of steps of 1m "
                 "(anomaly.step)");
}

TEST_F(ConfigTest, AnomalyOnMissingDataIsActOrSkip) {
  LoadResult result = Load(std::string(kMinimal) + "anomaly: { on_missing_data: ignore }\n");
  ExpectOneError(result, ConfigPath(), 3, 29,
                 "\"anomaly.on_missing_data\" must be one of act, skip (got \"ignore\")");
}

TEST_F(ConfigTest, MissingTokenFileNamesTheFile) {
  LoadResult result = Load(std::string(kMinimal) + "webhook:\n  bearer_token_file: no-such\n");
  ExpectOneError(result, ConfigPath(), 4, 22,
                 "\"webhook.bearer_token_file\": cannot read secret file " + In("no-such") +
                     ": No such file or directory");
}

TEST_F(ConfigTest, ErrorsNeverContainTheSecret) {
  Write("token", "tok-do-not-print\n");
  Write("empty", "\n");
  SetEnv("REBOUND_TEST_PASSWORD", "pw-do-not-print");
  // The token and password load; other errors in the same sections must not echo them.
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook:\n  bearer_token_file: token\n  max_body_bytes: 0\n"
                           "  basic_auth: { username: am, password_env: REBOUND_TEST_PASSWORD }\n"
                           "slack: { webhook_url_file: empty }\n");
  ASSERT_EQ(result.errors.size(), 3u) << Dump(result);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_EQ(result.errors[1].line, 6);
  EXPECT_EQ(
      result.errors[2].ToString(),
      ConfigPath() + ":7:28: \"slack.webhook_url_file\": secret file " + In("empty") + " is empty");
  for (const ConfigError& e : result.errors) {
    EXPECT_EQ(e.message.find("do-not-print"), std::string::npos) << e.message;
  }
}

TEST_F(ConfigTest, ReadAuthAndMetricsTokens) {
  Write("webhook-token", "hook");
  Write("read-token", "reader\n");
  SetEnv("REBOUND_TEST_METRICS_TOKEN", "scraper");
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook: { bearer_token_file: webhook-token }\n"
                           "api: { read_auth: true, bearer_token_file: read-token }\n"
                           "metrics: { bearer_token_env: REBOUND_TEST_METRICS_TOKEN }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_TRUE(result.config->api.read_auth);
  EXPECT_EQ(result.config->api.bearer_token_file, In("read-token"));
  EXPECT_EQ(result.config->secrets.api_bearer_token, "reader");
  EXPECT_EQ(result.config->metrics.bearer_token_env, "REBOUND_TEST_METRICS_TOKEN");
  EXPECT_EQ(result.config->secrets.metrics_bearer_token, "scraper");
}

TEST_F(ConfigTest, ReadAuthIsOffByDefaultAndMayUseTheWebhookCredentialsAlone) {
  LoadResult minimal = Load(kMinimal);
  ASSERT_TRUE(minimal.errors.empty()) << Dump(minimal);
  EXPECT_FALSE(minimal.config->api.read_auth);
  EXPECT_EQ(minimal.config->secrets.metrics_bearer_token, "");
  Write("webhook-token", "hook");
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook: { bearer_token_file: webhook-token }\n"
                           "api: { read_auth: true }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_TRUE(result.config->api.read_auth);
  EXPECT_EQ(result.config->secrets.api_bearer_token, "");
}

TEST_F(ConfigTest, ReadAuthNeedsCredentials) {
  ExpectOneError(Load(std::string(kMinimal) + "api:\n  read_auth: true\n"), ConfigPath(), 4, 3,
                 "\"api.read_auth\" needs credentials to check: configure webhook "
                 "authentication or api.bearer_token_file");
}

TEST_F(ConfigTest, ReadTokenNeedsReadAuth) {
  Write("read-token", "reader");
  ExpectOneError(Load(std::string(kMinimal) + "api:\n  bearer_token_file: read-token\n"),
                 ConfigPath(), 4, 3,
                 "a read token (\"api.bearer_token_file\") needs \"api.read_auth: true\"");
}

TEST_F(ConfigTest, MetricsTokenFileMustBeReadable) {
  LoadResult result = Load(std::string(kMinimal) + "metrics: { bearer_token_file: missing }\n");
  ASSERT_EQ(result.errors.size(), 1u) << Dump(result);
  EXPECT_NE(result.errors[0].message.find("\"metrics.bearer_token_file\""), std::string::npos)
      << Dump(result);
}

TEST_F(ConfigTest, BearerTokenFromEnvironment) {
  SetEnv("REBOUND_TEST_TOKEN", "tok-from-env\n");
  LoadResult result =
      Load(std::string(kMinimal) + "webhook: { bearer_token_env: REBOUND_TEST_TOKEN }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_EQ(result.config->webhook.bearer_token_env, "REBOUND_TEST_TOKEN");
  EXPECT_EQ(result.config->webhook.bearer_token_file, "");
  EXPECT_EQ(result.config->secrets.bearer_token, "tok-from-env");
}

TEST_F(ConfigTest, UnsetTokenVariableNamesTheVariable) {
  LoadResult result =
      Load(std::string(kMinimal) + "webhook: { bearer_token_env: REBOUND_TEST_UNSET_TOKEN }\n");
  ExpectOneError(result, ConfigPath(), 3, 30,
                 "\"webhook.bearer_token_env\": environment variable REBOUND_TEST_UNSET_TOKEN "
                 "is not set");
}

TEST_F(ConfigTest, BasicAuthWithPasswordFile) {
  Write("secrets/am-password", "hunter2\n");
  LoadResult result = Load(std::string(kMinimal) +
                           "webhook:\n"
                           "  basic_auth: { username: am, password_file: secrets/am-password }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.webhook.basic_auth.username, "am");
  EXPECT_EQ(c.webhook.basic_auth.password_file, In("secrets/am-password"));
  EXPECT_EQ(c.webhook.basic_auth.password_env, "");
  EXPECT_EQ(c.secrets.basic_username, "am");
  EXPECT_EQ(c.secrets.basic_password, "hunter2");
  EXPECT_EQ(c.secrets.bearer_token, "");
}

TEST_F(ConfigTest, BasicAuthNeedsUsernameAndPassword) {
  LoadResult result = Load(std::string(kMinimal) + "webhook:\n  basic_auth:\n    realm: x\n");
  ASSERT_EQ(result.errors.size(), 3u) << Dump(result);
  EXPECT_EQ(result.errors[0].ToString(), ConfigPath() +
                                             ":5:5: unknown key \"realm\" in webhook.basic_auth "
                                             "(allowed: username, password_file, password_env)");
  EXPECT_EQ(result.errors[1].ToString(),
            ConfigPath() + ":5:5: \"webhook.basic_auth.username\" is required");
  EXPECT_EQ(result.errors[2].ToString(),
            ConfigPath() + ":5:5: \"webhook.basic_auth\" needs password_file or password_env");
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigFolder) {
  Write("etc/tls/server.crt", "CERT");
  Write("etc/tls/server.key", "KEY");
  Write("etc/slack-url", "https://hooks.example/x");
  LoadResult result = LoadConfig(Write("etc/rebound/rebound.yaml",
                                       "listen: 127.0.0.1:0\n"
                                       "state_dir: ../../var/state\n"
                                       "tls: { cert_file: ../tls/server.crt, key_file: "
                                       "../tls/./server.key }\n"
                                       "kubernetes: { kubeconfig: kube/config }\n"
                                       "slack: { webhook_url_file: ../slack-url }\n"
                                       "playbooks: [ playbooks/*.yaml, \"~/pb/*.yaml\" ]\n"));
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.state_dir, In("var/state"));
  EXPECT_EQ(c.tls.cert_file, In("etc/tls/server.crt"));
  EXPECT_EQ(c.tls.key_file, In("etc/tls/server.key"));
  EXPECT_EQ(c.kubernetes.kubeconfig, In("etc/rebound/kube/config"));
  EXPECT_EQ(c.slack.webhook_url_file, In("etc/slack-url"));
  EXPECT_EQ(c.playbooks,
            (std::vector<std::string>{In("etc/rebound/playbooks/*.yaml"), In("home/pb/*.yaml")}));
}

TEST_F(ConfigTest, TildeNeedsHome) {
  unsetenv("HOME");
  LoadResult result = Load(std::string(kMinimal) + "kubernetes: { kubeconfig: ~/.kube/config }\n");
  ExpectOneError(result, ConfigPath(), 3, 27,
                 "\"kubernetes.kubeconfig\": cannot expand \"~\": HOME is not set");
}

TEST_F(ConfigTest, TlsNeedsBothFiles) {
  Write("tls.crt", "CERT");
  LoadResult result = Load(std::string(kMinimal) + "tls:\n  cert_file: tls.crt\n");
  ExpectOneError(result, ConfigPath(), 4, 3,
                 "\"tls\" needs both cert_file and key_file (or neither, for HTTP)");
}

TEST_F(ConfigTest, TlsFilesMustBeReadable) {
  Write("tls.crt", "CERT");
  LoadResult result = Load(std::string(kMinimal) + "tls: { cert_file: tls.crt, key_file: nope }\n");
  ExpectOneError(result, ConfigPath(), 3, 38,
                 "\"tls.key_file\": cannot read " + In("nope") + ": No such file or directory");
}

TEST_F(ConfigTest, SlackFileAndEnvAreExclusive) {
  LoadResult result =
      Load(std::string(kMinimal) + "slack: { webhook_url_file: a, webhook_url_env: B }\n");
  ExpectOneError(result, ConfigPath(), 3, 31,
                 "set only one of \"slack.webhook_url_file\" and \"slack.webhook_url_env\"");
}

TEST_F(ConfigTest, SlackEnvIsNotReadAtLoadTime) {
  LoadResult result =
      Load(std::string(kMinimal) +
           "slack: { webhook_url_env: REBOUND_TEST_UNSET_SLACK, channel: \"#x\" }\n");
  ASSERT_TRUE(result.errors.empty()) << Dump(result);
  EXPECT_EQ(result.config->slack.webhook_url_env, "REBOUND_TEST_UNSET_SLACK");
  EXPECT_EQ(result.config->slack.channel, "#x");
}

TEST_F(ConfigTest, UrlMustBeHttp) {
  LoadResult result = Load(std::string(kMinimal) + "alertmanager: { url: 127.0.0.1:9093 }\n");
  ExpectOneError(result, ConfigPath(), 3, 22,
                 "\"alertmanager.url\" must start with http:// or https:// "
                 "(got \"127.0.0.1:9093\")");
}

TEST_F(ConfigTest, YamlSyntaxErrorIsOneErrorAtTheParserPosition) {
  LoadResult result = Load("listen: 127.0.0.1:9464\nstate_dir: /x\nplaybooks: [a, b\nlog: {}\n");
  ExpectOneError(result, ConfigPath(), 4, 4, "YAML syntax error: end of sequence flow not found");
}

TEST_F(ConfigTest, BadIndentationIsReported) {
  LoadResult result = Load("  listen: 127.0.0.1:9464\nstate_dir: /x\n");
  ASSERT_EQ(result.errors.size(), 1u) << Dump(result);
  EXPECT_EQ(result.errors[0].line, 2);
  EXPECT_EQ(result.errors[0].column, 1);
}

TEST_F(ConfigTest, AllErrorsAreReportedInFileOrder) {
  // Validation visits server before log and listen, but the errors come back in file order.
  LoadResult result = Load(
      "server: { threads: 0 }\n"
      "state_dir: /x\n"
      "log: { format: xml }\n"
      "colour: true\n"
      "listen: nowhere\n"
      "journal: { retention: 1h1d }\n");
  ASSERT_EQ(result.errors.size(), 5u) << Dump(result);
  EXPECT_FALSE(result.config.has_value());
  std::vector<std::pair<int, int>> positions;
  for (const ConfigError& e : result.errors) positions.emplace_back(e.line, e.column);
  EXPECT_EQ(positions,
            (std::vector<std::pair<int, int>>{{1, 20}, {3, 16}, {4, 1}, {5, 9}, {6, 23}}));
  EXPECT_EQ(result.errors[0].message,
            "\"server.threads\": expected a positive integer no larger than 1024, got \"0\"");
  EXPECT_EQ(result.errors[1].message, "\"log.format\" must be one of text, json (got \"xml\")");
  EXPECT_EQ(result.errors[2].message,
            "unknown key \"colour\" (allowed: listen, tls, webhook, api, metrics, state_dir, "
            "journal, kubernetes, prometheus, alertmanager, slack, playbooks, guardrails, healing, "
            "chaos, anomaly, leader_election, log, server)");
  EXPECT_EQ(result.errors[3].message,
            "\"listen\": invalid listen address \"nowhere\": missing port "
            "(expected HOST:PORT, e.g. 127.0.0.1:9464)");
  EXPECT_EQ(result.errors[4].message,
            "\"journal.retention\": invalid duration \"1h1d\": units must go from largest to "
            "smallest, once each (use e.g. 30s, 5m, 1h30m)");
}

TEST_F(ConfigTest, TopLevelMustBeAMapping) {
  LoadResult result = Load("- listen: 127.0.0.1:9464\n- state_dir: /x\n");
  ExpectOneError(result, ConfigPath(), 1, 1,
                 "the top level must be a mapping of keys to values, got a sequence");
}

TEST_F(ConfigTest, EmptyFileReportsTheRequiredKeys) {
  LoadResult result = Load("# only a comment\n");
  ASSERT_EQ(result.errors.size(), 2u) << Dump(result);
  EXPECT_EQ(result.errors[0].ToString(), ConfigPath() + ": \"listen\" is required");
  EXPECT_EQ(result.errors[1].ToString(), ConfigPath() + ": \"state_dir\" is required");
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_FALSE(result.config.has_value());
}

TEST_F(ConfigTest, MissingFileIsAFileLevelError) {
  std::string path = In("absent.yaml");
  LoadResult result = LoadConfig(path);
  ExpectOneError(result, path, 0, 0, "cannot read file: No such file or directory");
  EXPECT_EQ(result.errors[0].ToString(), path + ": cannot read file: No such file or directory");
}

TEST(ConfigErrorTest, ToStringFormats) {
  EXPECT_EQ((ConfigError{"rebound.yaml", 3, 7, "bad"}).ToString(), "rebound.yaml:3:7: bad");
  EXPECT_EQ((ConfigError{"rebound.yaml", 0, 0, "bad"}).ToString(), "rebound.yaml: bad");
}

}  // namespace
}  // namespace rebound::app
