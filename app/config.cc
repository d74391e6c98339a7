#include "app/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <system_error>
#include <utility>

#include "common/duration.h"
#include "common/http_server.h"
#include "common/secret.h"
#include "common/yaml_util.h"
#include "controller/promql/prometheus_api.h"

namespace rebound::app {
namespace {

namespace fs = std::filesystem;
using common::StrictMap;
using std::chrono::milliseconds;

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxBodyBytes = 64 * 1024 * 1024;
constexpr int64_t kMaxThreads = 1024;
constexpr int64_t kMaxConnections = 65536;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Why `path` cannot be opened for reading, or nullopt when it can.
std::optional<std::string> UnreadableReason(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return "it is a directory";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::generic_category().message(errno);
  return std::nullopt;
}

// Reads one rebound.yaml document into a Config, adding every problem found to `errors`.
class ConfigParser {
 public:
  ConfigParser(const std::string& path, common::YamlErrors& errors) : errors_(errors) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    dir_ = (ec ? fs::path(path) : absolute).parent_path();
    config_.file = path;
  }

  Config Parse(const YAML::Node& root) {
    StrictMap top(root, "",
                  {"listen", "tls", "webhook", "api", "metrics", "state_dir", "journal",
                   "kubernetes", "prometheus", "alertmanager", "slack", "playbooks", "guardrails",
                   "healing", "chaos", "anomaly", "leader_election", "log", "server"},
                  errors_);
    ParseListen(top);
    ParseTls(top);
    ParseWebhook(top);
    ParseApi(top);
    ParseMetrics(top);
    if (top.Require("state_dir")) {
      if (auto dir = Path(top, "state_dir")) config_.state_dir = *dir;
    }
    ParseJournal(top);
    ParseKubernetes(top);
    ParseEndpoint(top, "prometheus", config_.prometheus);
    ParseEndpoint(top, "alertmanager", config_.alertmanager);
    ParseSlack(top);
    ParsePlaybooks(top);
    ParseGuardrails(top);
    ParseHealing(top);
    ParseChaos(top);
    ParseAnomaly(top);
    ParseLeaderElection(top);
    ParseLog(top);
    ParseServer(top);
    return std::move(config_);
  }

 private:
  // `path` made absolute against the config file's folder, with a leading "~/" taken from $HOME.
  std::optional<std::string> Resolve(const std::string& path, const YAML::Node& at,
                                     std::string_view name) {
    if (path == "~" || path.starts_with("~/")) {
      const char* home = std::getenv("HOME");
      if (home == nullptr || *home == '\0') {
        errors_.Add(at, Quote(name) + ": cannot expand \"~\": HOME is not set");
        return std::nullopt;
      }
      std::string rest = path.size() > 2 ? path.substr(2) : "";
      return (rest.empty() ? fs::path(home) : fs::path(home) / rest).lexically_normal().string();
    }
    fs::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (dir_ / p).lexically_normal().string();
  }

  // The non-empty path under `key`, resolved; nullopt when absent or invalid (reported).
  std::optional<std::string> Path(const StrictMap& map, std::string_view key) {
    std::optional<std::string> value = map.String(key);
    if (!value) return std::nullopt;
    const YAML::Node node = *map.Find(key);
    std::string name = map.Qualified(key);
    if (value->empty()) {
      errors_.Add(node, Quote(name) + ": expected a path, got \"\"");
      return std::nullopt;
    }
    return Resolve(*value, node, name);
  }

  // The path under `key` when it names a readable file.
  std::optional<std::string> ReadablePath(const StrictMap& map, std::string_view key) {
    std::optional<std::string> path = Path(map, key);
    if (!path) return std::nullopt;
    if (auto why = UnreadableReason(*path)) {
      errors_.Add(*map.Find(key),
                  Quote(map.Qualified(key)) + ": cannot read " + *path + ": " + *why);
      return std::nullopt;
    }
    return path;
  }

  // The secret in the file under `file_key` or the variable under `env_key` (at most one of them
  // is set; the caller checks). Failures name the file or variable, never the contents.
  std::optional<std::string> Secret(const StrictMap& map, std::string_view file_key,
                                    std::string_view env_key, std::string& file_out,
                                    std::string& env_out) {
    if (map.Has(file_key)) {
      std::optional<std::string> path = Path(map, file_key);
      if (!path) return std::nullopt;
      file_out = *path;
      auto secret = common::ReadSecretFile(*path);
      if (!secret.ok()) {
        errors_.Add(*map.Find(file_key),
                    Quote(map.Qualified(file_key)) + ": " + secret.status().message());
        return std::nullopt;
      }
      return std::move(secret).value();
    }
    if (map.Has(env_key)) {
      std::optional<std::string> name = NonEmptyString(map, env_key);
      if (!name) return std::nullopt;
      env_out = *name;
      auto secret = common::ReadSecretEnv(*name);
      if (!secret.ok()) {
        errors_.Add(*map.Find(env_key),
                    Quote(map.Qualified(env_key)) + ": " + secret.status().message());
        return std::nullopt;
      }
      return std::move(secret).value();
    }
    return std::nullopt;
  }

  std::optional<std::string> NonEmptyString(const StrictMap& map, std::string_view key) {
    std::optional<std::string> value = map.String(key);
    if (value && value->empty()) {
      errors_.Add(*map.Find(key), Quote(map.Qualified(key)) + ": must not be empty");
      return std::nullopt;
    }
    return value;
  }

  // Reports, at whichever of the two keys comes second, when both are set; true when at most
  // one is.
  bool AtMostOne(const StrictMap& map, std::string_view a, std::string_view b) {
    if (!map.Has(a) || !map.Has(b)) return true;
    YAML::Mark ma = map.KeyMark(a);
    YAML::Mark mb = map.KeyMark(b);
    errors_.Add(ma.pos > mb.pos ? ma : mb,
                "set only one of " + Quote(map.Qualified(a)) + " and " + Quote(map.Qualified(b)));
    return false;
  }

  void ParseListen(const StrictMap& top) {
    if (!top.Require("listen")) return;
    std::optional<std::string> listen = top.String("listen");
    if (!listen) return;
    auto address = common::ParseListenAddress(*listen);
    if (!address.ok()) {
      errors_.Add(*top.Find("listen"), "\"listen\": " + address.status().message());
      return;
    }
    config_.listen = *listen;
  }

  void ParseTls(const StrictMap& top) {
    StrictMap tls = top.Child("tls", {"cert_file", "key_file"});
    if (tls.Has("cert_file") != tls.Has("key_file")) {
      errors_.Add(tls.mark(), "\"tls\" needs both cert_file and key_file (or neither, for HTTP)");
    }
    if (auto cert = ReadablePath(tls, "cert_file")) config_.tls.cert_file = *cert;
    if (auto key = ReadablePath(tls, "key_file")) config_.tls.key_file = *key;
  }

  void ParseWebhook(const StrictMap& top) {
    StrictMap webhook = top.Child("webhook", {"bearer_token_file", "bearer_token_env", "basic_auth",
                                              "max_body_bytes", "queue_capacity"});
    Config::Webhook& out = config_.webhook;
    bool has_bearer = webhook.Has("bearer_token_file") || webhook.Has("bearer_token_env");
    if (auto token = BearerToken(webhook, out.bearer_token_file, out.bearer_token_env)) {
      config_.secrets.bearer_token = std::move(*token);
    }
    if (webhook.Has("basic_auth")) {
      if (has_bearer) {
        errors_.Add(webhook.KeyMark("basic_auth"),
                    "use either bearer_token_file/bearer_token_env or basic_auth in \"webhook\", "
                    "not both");
      }
      ParseBasicAuth(webhook.Child("basic_auth", {"username", "password_file", "password_env"}));
    }
    if (auto n = webhook.Int("max_body_bytes", 1, kMaxBodyBytes)) out.max_body_bytes = *n;
    if (auto n = webhook.Int("queue_capacity", 1, kMaxInt64)) out.queue_capacity = *n;
  }

  // A bearer token under bearer_token_file or bearer_token_env of `map` (at most one).
  std::optional<std::string> BearerToken(const StrictMap& map, std::string& file_out,
                                         std::string& env_out) {
    if (!AtMostOne(map, "bearer_token_file", "bearer_token_env")) return std::nullopt;
    return Secret(map, "bearer_token_file", "bearer_token_env", file_out, env_out);
  }

  void ParseApi(const StrictMap& top) {
    StrictMap api = top.Child("api", {"read_auth", "bearer_token_file", "bearer_token_env"});
    Config::Api& out = config_.api;
    if (auto on = api.Bool("read_auth")) out.read_auth = *on;
    if (auto token = BearerToken(api, out.bearer_token_file, out.bearer_token_env)) {
      config_.secrets.api_bearer_token = std::move(*token);
    }
    std::string_view token_key =
        api.Has("bearer_token_file") ? "bearer_token_file" : "bearer_token_env";
    bool has_token = api.Has(token_key);
    if (has_token && !out.read_auth) {
      errors_.Add(api.KeyMark(token_key), "a read token (" + Quote(api.Qualified(token_key)) +
                                              ") needs \"api.read_auth: true\"");
    }
    // ParseWebhook ran first.
    const Config::Webhook& webhook = config_.webhook;
    bool webhook_auth = !webhook.bearer_token_file.empty() || !webhook.bearer_token_env.empty() ||
                        !webhook.basic_auth.username.empty();
    if (out.read_auth && !has_token && !webhook_auth) {
      errors_.Add(api.KeyMark("read_auth"),
                  "\"api.read_auth\" needs credentials to check: configure webhook "
                  "authentication or api.bearer_token_file");
    }
  }

  void ParseMetrics(const StrictMap& top) {
    StrictMap metrics = top.Child("metrics", {"bearer_token_file", "bearer_token_env"});
    Config::Metrics& out = config_.metrics;
    if (auto token = BearerToken(metrics, out.bearer_token_file, out.bearer_token_env)) {
      config_.secrets.metrics_bearer_token = std::move(*token);
    }
  }

  void ParseBasicAuth(const StrictMap& basic) {
    if (!basic.is_map()) return;
    Config::Webhook::BasicAuth& out = config_.webhook.basic_auth;
    std::optional<std::string> username;
    if (basic.Require("username")) username = NonEmptyString(basic, "username");
    std::optional<std::string> password;
    if (!basic.Has("password_file") && !basic.Has("password_env")) {
      errors_.Add(basic.mark(), "\"webhook.basic_auth\" needs password_file or password_env");
    } else if (AtMostOne(basic, "password_file", "password_env")) {
      password =
          Secret(basic, "password_file", "password_env", out.password_file, out.password_env);
    }
    if (username) {
      out.username = *username;
      config_.secrets.basic_username = *username;
    }
    if (password) config_.secrets.basic_password = std::move(*password);
  }

  void ParseJournal(const StrictMap& top) {
    StrictMap journal = top.Child("journal", {"retention", "max_rows"});
    if (auto d = journal.Duration("retention", milliseconds(1))) config_.journal.retention = *d;
    if (auto n = journal.Int("max_rows", 1, kMaxInt64)) config_.journal.max_rows = *n;
  }

  void ParseKubernetes(const StrictMap& top) {
    StrictMap kube = top.Child("kubernetes", {"mode", "kubeconfig", "context"});
    Config::Kubernetes& out = config_.kubernetes;
    if (auto mode = kube.Enum("mode", {"auto", "in-cluster", "kubeconfig"})) out.mode = *mode;
    if (auto path = Path(kube, "kubeconfig")) out.kubeconfig = *path;
    if (auto context = kube.String("context")) out.context = *context;
  }

  void ParseEndpoint(const StrictMap& top, std::string_view name, Config::Endpoint& out) {
    StrictMap endpoint = top.Child(name, {"url", "timeout"});
    if (auto url = endpoint.String("url")) {
      bool http = url->starts_with("http://") && url->size() > 7;
      bool https = url->starts_with("https://") && url->size() > 8;
      if (http || https) {
        out.url = *url;
      } else {
        errors_.Add(*endpoint.Find("url"), Quote(endpoint.Qualified("url")) +
                                               " must start with http:// or https:// (got " +
                                               Quote(*url) + ")");
      }
    }
    if (auto d = endpoint.Duration("timeout", milliseconds(1))) out.timeout = *d;
  }

  void ParseSlack(const StrictMap& top) {
    StrictMap slack =
        top.Child("slack", {"webhook_url_file", "webhook_url_env", "channel", "dashboard_url"});
    Config::Slack& out = config_.slack;
    if (AtMostOne(slack, "webhook_url_file", "webhook_url_env")) {
      // Only checked here; the notifier reads the URL itself and keeps it out of Config.
      if (auto path = Path(slack, "webhook_url_file")) {
        out.webhook_url_file = *path;
        auto url = common::ReadSecretFile(*path);
        if (!url.ok()) {
          errors_.Add(*slack.Find("webhook_url_file"),
                      "\"slack.webhook_url_file\": " + url.status().message());
        }
      }
      if (auto env = NonEmptyString(slack, "webhook_url_env")) out.webhook_url_env = *env;
    }
    if (auto channel = slack.String("channel")) out.channel = *channel;
    if (auto url = slack.String("dashboard_url")) {
      if (url->starts_with("http://") || url->starts_with("https://")) {
        out.dashboard_url = *url;
      } else {
        errors_.Add(*slack.Find("dashboard_url"),
                    "\"slack.dashboard_url\": expected an http:// or https:// URL, got \"" + *url +
                        "\"");
      }
    }
  }

  void ParsePlaybooks(const StrictMap& top) {
    std::optional<std::vector<std::string>> globs = top.StringList("playbooks");
    if (!globs) return;
    const YAML::Node node = *top.Find("playbooks");
    std::vector<std::string> resolved;
    for (size_t i = 0; i < globs->size(); ++i) {
      std::string name = "playbooks[" + std::to_string(i) + "]";
      if ((*globs)[i].empty()) {
        errors_.Add(node[i], Quote(name) + ": expected a path or glob, got \"\"");
        continue;
      }
      if (auto path = Resolve((*globs)[i], node[i], name)) resolved.push_back(*path);
    }
    config_.playbooks = std::move(resolved);
  }

  void ParseGuardrails(const StrictMap& top) {
    ParseGuardrailConfig(top.Child("guardrails", GuardrailKeys()), config_.guardrails);
  }

  void ParseChaos(const StrictMap& top) {
    StrictMap chaos = top.Child("chaos", {"max_concurrent", "poll_interval", "settle"});
    if (auto n = chaos.Int("max_concurrent", 1, 100)) {
      config_.chaos.max_concurrent = static_cast<int>(*n);
    }
    if (auto d = chaos.Duration("poll_interval", milliseconds(100))) {
      config_.chaos.poll_interval = *d;
    }
    if (auto d = chaos.Duration("settle", milliseconds(0))) config_.chaos.settle = *d;
  }

  void ParseHealing(const StrictMap& top) {
    StrictMap healing = top.Child("healing", {"max_concurrent", "verify_interval"});
    if (auto n = healing.Int("max_concurrent", 1, 1024)) {
      config_.healing.max_concurrent = static_cast<size_t>(*n);
    }
    if (auto d = healing.Duration("verify_interval", milliseconds(100))) {
      config_.healing.verify_interval = *d;
    }
  }

  void ParseAnomaly(const StrictMap& top) {
    StrictMap anomaly = top.Child("anomaly", {"step", "on_missing_data", "signals"});
    Config::Anomaly& out = config_.anomaly;
    if (auto d = anomaly.Duration("step", std::chrono::seconds(1))) out.step = *d;
    if (auto choice = anomaly.Enum("on_missing_data", {"act", "skip"})) {
      out.on_missing_data = *choice == "act" ? controller::anomaly::OnMissingData::kAct
                                             : controller::anomaly::OnMissingData::kSkip;
    }
    if (!anomaly.Has("signals")) return;
    const YAML::Node signals = *anomaly.Find("signals");
    const std::string name = anomaly.Qualified("signals");
    if (!signals.IsSequence()) {
      errors_.Add(signals, Quote(name) + ": expected a list of signal sets, got " +
                               common::DescribeYaml(signals));
      return;
    }
    if (config_.prometheus.url.empty() && signals.size() > 0) {
      errors_.Add(anomaly.KeyMark("signals"),
                  Quote(name) + " needs \"prometheus.url\" to query the signals from");
    }
    std::map<std::string, std::string> first_of;  // set name -> where it was defined
    for (size_t i = 0; i < signals.size(); ++i) {
      const std::string where = name + "[" + std::to_string(i) + "]";
      if (auto set = ParseSignalSet(signals[i], where, first_of)) {
        out.signals.push_back(std::move(*set));
      }
    }
  }

  // One item of anomaly.signals, named `where`; nullopt when it has errors (reported), among
  // them a name already in `first_of` (set names -> where they were defined).
  std::optional<controller::anomaly::SignalSet> ParseSignalSet(
      const YAML::Node& node, const std::string& where,
      std::map<std::string, std::string>& first_of) {
    const size_t errors_before = errors_.size();
    StrictMap map(node, where, {"name", "queries", "lookback", "season"}, errors_);
    if (!map.is_map()) return std::nullopt;
    const milliseconds step = config_.anomaly.step;
    controller::anomaly::SignalSet set;
    if (map.Require("name")) {
      if (auto name = NonEmptyString(map, "name")) {
        auto [first, inserted] = first_of.emplace(*name, where);
        if (!inserted) {
          errors_.Add(*map.Find("name"), Quote(map.Qualified("name")) + ": signal set " +
                                             Quote(*name) + " is already defined in " +
                                             first->second);
        }
        set.name = *name;
      }
    }
    if (map.Require("queries")) set.queries = ParseSignalQueries(map);
    if (auto d = map.Duration("lookback", step)) {
      if (*d / step > controller::promql::kMaxRangeQueryPoints) {
        errors_.Add(*map.Find("lookback"),
                    Quote(map.Qualified("lookback")) + ": " + common::FormatDuration(*d) +
                        " is more than " +
                        std::to_string(controller::promql::kMaxRangeQueryPoints) + " steps of " +
                        common::FormatDuration(step) +
                        ", more than Prometheus answers; shorten it or raise anomaly.step");
      }
      set.lookback = *d;
    }
    if (auto d = map.Duration("season", 2 * step)) {
      if (*d % step != milliseconds(0)) {
        errors_.Add(*map.Find("season"), Quote(map.Qualified("season")) +
                                             ": must be a whole number of steps of " +
                                             common::FormatDuration(step) + " (anomaly.step)");
      }
      set.season = *d;
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return set;
  }

  // The `queries` mapping of a signal set: signal name -> PromQL, 1..kMaxSignals of them.
  std::vector<controller::anomaly::SignalQuery> ParseSignalQueries(const StrictMap& set) {
    const YAML::Node node = *set.Find("queries");
    const std::string name = set.Qualified("queries");
    std::vector<controller::anomaly::SignalQuery> queries;
    if (!node.IsMap()) {
      errors_.Add(node, Quote(name) + ": expected a mapping of signal names to PromQL queries, " +
                            "got " + common::DescribeYaml(node));
      return queries;
    }
    if (node.size() == 0) {
      errors_.Add(node, Quote(name) + ": needs at least one signal");
      return queries;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      std::optional<std::string> signal = common::YamlString(key, name, errors_);
      if (!signal) continue;
      if (signal->empty()) {
        errors_.Add(key, Quote(name) + ": a signal name must not be empty");
        continue;
      }
      const std::string qualified = name + "." + *signal;
      if (std::any_of(queries.begin(), queries.end(),
                      [&](const auto& q) { return q.name == *signal; })) {
        errors_.Add(key, Quote(qualified) + " is defined twice");
        continue;
      }
      std::optional<std::string> query = common::YamlString(value, qualified, errors_);
      if (query && query->empty()) {
        errors_.Add(value, Quote(qualified) + ": expected a PromQL query, got \"\"");
        continue;
      }
      if (query) queries.push_back({*signal, *query});
    }
    if (node.size() > static_cast<size_t>(rebound::anomaly::kMaxSignals)) {
      errors_.Add(node, Quote(name) + ": " + std::to_string(node.size()) + " signals, at most " +
                            std::to_string(rebound::anomaly::kMaxSignals) + " are scored together");
    }
    return queries;
  }

  void ParseLeaderElection(const StrictMap& top) {
    StrictMap election = top.Child(
        "leader_election",
        {"enabled", "lease_name", "namespace", "lease_duration", "renew_deadline", "retry_period"});
    Config::LeaderElection& out = config_.leader_election;
    if (auto b = election.Bool("enabled")) out.enabled = *b;
    if (auto name = NonEmptyString(election, "lease_name")) out.lease_name = *name;
    if (auto ns = NonEmptyString(election, "namespace")) out.lease_namespace = *ns;
    // The Lease holds whole seconds.
    if (auto d = election.Duration("lease_duration", std::chrono::seconds(1))) {
      out.lease_duration = *d;
    }
    if (auto d = election.Duration("renew_deadline", milliseconds(1))) out.renew_deadline = *d;
    if (auto d = election.Duration("retry_period", milliseconds(1))) out.retry_period = *d;
    // client-go's rule: a leader steps down before its lease can expire for the others, and a
    // renewal, jittered by up to 1.2x, fits in the deadline.
    if (out.renew_deadline >= out.lease_duration) {
      errors_.Add(
          election.Has("renew_deadline") ? election.KeyMark("renew_deadline") : election.mark(),
          "\"leader_election.renew_deadline\" (" + common::FormatDuration(out.renew_deadline) +
              ") must be shorter than \"leader_election.lease_duration\" (" +
              common::FormatDuration(out.lease_duration) + ")");
    }
    if (out.retry_period * 6 >= out.renew_deadline * 5) {
      errors_.Add(election.Has("retry_period") ? election.KeyMark("retry_period") : election.mark(),
                  "\"leader_election.retry_period\" (" + common::FormatDuration(out.retry_period) +
                      ") times 1.2 must be shorter than \"leader_election.renew_deadline\" (" +
                      common::FormatDuration(out.renew_deadline) + ")");
    }
  }

  void ParseLog(const StrictMap& top) {
    StrictMap log = top.Child("log", {"format", "level"});
    if (auto format = log.Enum("format", {"text", "json"})) config_.log.format = *format;
    if (auto level = log.Enum("level", {"trace", "debug", "info", "warn", "error"})) {
      config_.log.level = *level;
    }
  }

  void ParseServer(const StrictMap& top) {
    StrictMap server =
        top.Child("server", {"threads", "max_connections", "request_timeout", "body_timeout"});
    if (auto n = server.Int("threads", 1, kMaxThreads))
      config_.server.threads = static_cast<int>(*n);
    if (auto n = server.Int("max_connections", 1, kMaxConnections)) {
      config_.server.max_connections = static_cast<int>(*n);
    }
    if (auto d = server.Duration("request_timeout", milliseconds(1))) {
      config_.server.request_timeout = *d;
    }
    if (auto d = server.Duration("body_timeout", milliseconds(1))) {
      config_.server.body_timeout = *d;
    }
  }

  common::YamlErrors& errors_;
  fs::path dir_;  // the config file's folder, absolute
  Config config_;
};

}  // namespace

std::string ConfigError::ToString() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::vector<std::string> GuardrailKeys() {
  return {"dry_run",        "paused",          "protected_namespaces", "max_actions_per_hour",
          "cooldown",       "max_pods_per_action", "max_percent_per_action", "min_replicas",
          "max_cordoned_nodes", "circuit_breaker"};
}

void ParseGuardrailConfig(const common::StrictMap& guard,
                          controller::healing::GuardrailConfig& out) {
  using std::chrono::milliseconds;
  if (auto b = guard.Bool("dry_run")) out.dry_run = *b;
  if (auto b = guard.Bool("paused")) out.paused = *b;
  if (auto list = guard.StringList("protected_namespaces")) out.protected_namespaces = *list;
  auto integer = [&](std::string_view key, int min, int max, int& field) {
    if (auto n = guard.Int(key, min, max)) field = static_cast<int>(*n);
  };
  const int kMax = std::numeric_limits<int>::max();
  integer("max_actions_per_hour", 0, kMax, out.max_actions_per_hour);
  integer("max_pods_per_action", 1, kMax, out.blast_radius.max_pods);
  integer("max_percent_per_action", 1, 100, out.blast_radius.max_percent);
  integer("min_replicas", 0, kMax, out.blast_radius.min_replicas);
  integer("max_cordoned_nodes", 0, kMax, out.blast_radius.max_nodes);
  if (auto d = guard.Duration("cooldown", milliseconds(0))) out.cooldown = *d;
  common::StrictMap breaker = guard.Child("circuit_breaker", {"failures", "window"});
  if (auto n = breaker.Int("failures", 1, kMax)) {
    out.circuit_breaker_failures = static_cast<int>(*n);
  }
  if (auto d = breaker.Duration("window", milliseconds(1000))) out.circuit_breaker_window = *d;
}

LoadResult LoadConfig(const std::string& path) {
  common::YamlErrors errors(path);
  LoadResult result;
  try {
    if (std::optional<YAML::Node> root = common::LoadYamlFile(path, errors)) {
      Config config = ConfigParser(path, errors).Parse(*root);
      if (errors.empty()) result.config = std::move(config);
    }
  } catch (const std::exception& e) {
    // Validation does not throw by design; this keeps a yaml-cpp surprise from escaping.
    errors.Add(YAML::Mark::null_mark(), std::string("internal error reading config: ") + e.what());
    result.config.reset();
  }
  for (common::YamlError& e : errors.Sorted()) {
    result.errors.push_back({std::move(e.file), e.line, e.column, std::move(e.message)});
  }
  return result;
}

}  // namespace rebound::app
