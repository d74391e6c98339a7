// rebound.yaml: the daemon's configuration (DESIGN.md section 2), its loader and validator.
//
// Key names are a contract (tests, docs and the demo use them). Unknown keys and bad values
// are errors reported as "file:line:col: message"; durations use Prometheus syntax; relative
// paths are relative to the config file's folder. Secrets (webhook token or password) are read
// at load time from a file or an environment variable, kept only in `secrets`, and never
// logged or printed. Only `listen` and `state_dir` are required.
//
// Thread-safety: LoadConfig is reentrant; a Config is an immutable value once loaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/yaml_util.h"
#include "controller/anomaly/gate.h"
#include "controller/anomaly/signal_set.h"
#include "controller/healing/guardrails.h"

namespace rebound::app {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the file as a whole
  int column = 0;  // 1-based
  std::string message;

  // "file:line:col: message" (or "file: message" when line is 0).
  std::string ToString() const;
};

struct Config {
  std::string file;  // the path the config was loaded from
  std::string listen;
  struct Tls {
    std::string cert_file;  // both empty: plain HTTP
    std::string key_file;
  } tls;
  struct Webhook {
    std::string bearer_token_file;
    std::string bearer_token_env;
    struct BasicAuth {
      std::string username;
      std::string password_file;
      std::string password_env;
    } basic_auth;
    size_t max_body_bytes = 1048576;
    size_t queue_capacity = 10000;
  } webhook;
  // GET / and GET /api/v1/*. read_auth: they need the webhook's credentials or, when set, the
  // read token (bearer_token_file / bearer_token_env), which grants nothing else.
  struct Api {
    bool read_auth = false;
    std::string bearer_token_file;
    std::string bearer_token_env;
  } api;
  // GET /metrics: with a token set, it needs "Authorization: Bearer <token>" (Prometheus:
  // authorization.credentials_file in the scrape config).
  struct Metrics {
    std::string bearer_token_file;
    std::string bearer_token_env;
  } metrics;
  std::string state_dir;
  struct Journal {
    std::chrono::milliseconds retention = std::chrono::hours(24 * 30);
    size_t max_rows = 100000;
  } journal;
  struct Kubernetes {
    std::string mode = "auto";  // auto | in-cluster | kubeconfig
    std::string kubeconfig;     // "~/" expanded
    std::string context;
  } kubernetes;
  struct Endpoint {
    std::string url;
    std::chrono::milliseconds timeout = std::chrono::seconds(10);
  };
  Endpoint prometheus;
  Endpoint alertmanager;
  struct Slack {
    std::string webhook_url_file;
    std::string webhook_url_env;
    std::string channel;
    std::string dashboard_url;  // linked from every message ("" for none)
  } slack;
  std::vector<std::string> playbooks;  // globs, resolved against the config folder
  controller::healing::GuardrailConfig guardrails;
  struct Healing {
    size_t max_concurrent = 32;  // remediations at once; more episodes wait in order
    std::chrono::milliseconds verify_interval = std::chrono::seconds(5);  // polling
  } healing;
  struct Chaos {
    // Chaos runs at once, all experiments together (manual runs count); one experiment never
    // runs twice at once whatever this says.
    int max_concurrent = 1;
    // How often a run checks steady state, readiness and abortIf alerts while it watches.
    std::chrono::milliseconds poll_interval = std::chrono::seconds(5);
    // How long the steady state must keep holding once the fault's recovery check passes
    // (controller/chaos/runner.h, Runner::Options::settle).
    std::chrono::milliseconds settle = std::chrono::seconds(30);
  } chaos;
  struct Anomaly {
    // The query step of playbook gates and of continuous scoring.
    std::chrono::milliseconds step = std::chrono::seconds(30);
    // What a playbook gate without its own onMissingData decides when it has no score.
    controller::anomaly::OnMissingData on_missing_data = controller::anomaly::OnMissingData::kSkip;
    // Continuously scored signal sets, unique by name; non-empty only with prometheus.url.
    std::vector<controller::anomaly::SignalSet> signals;
  } anomaly;
  // Which replica acts (DESIGN.md section 9, README "High availability"). The lease is a
  // coordination.k8s.io/v1 Lease; the identity is $POD_NAME (host and pid without it).
  struct LeaderElection {
    std::optional<bool> enabled;  // unset: on when $POD_NAME is set, off otherwise
    std::string lease_name = "rebound";
    std::string lease_namespace;  // "": $POD_NAMESPACE
    std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
    std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
    std::chrono::milliseconds retry_period = std::chrono::seconds(2);
  } leader_election;
  struct Log {
    std::string format = "text";  // text | json
    std::string level = "info";   // trace | debug | info | warn | error
  } log;
  struct Server {
    // Request handlers running at once (threads started on demand); connections, idle or
    // slow ones included, hold no thread.
    int threads = 64;
    // Connections open at once; further ones are closed on accept.
    int max_connections = 1024;
    // Deadlines for a request's headers (and a kept-alive connection's idle wait), and for its
    // body after the headers; each for the whole, not per read.
    std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
    std::chrono::milliseconds body_timeout = std::chrono::seconds(10);
  } server;

  // Read from the files/variables named above at load time. Never log these.
  struct Secrets {
    std::string bearer_token;    // empty: no bearer auth configured
    std::string basic_username;  // empty: no basic auth configured
    std::string basic_password;
    std::string api_bearer_token;      // empty: none
    std::string metrics_bearer_token;  // empty: /metrics is open
  } secrets;
};

struct LoadResult {
  std::optional<Config> config;     // set when errors is empty
  std::vector<ConfigError> errors;  // every problem found, in file order
};

// Loads and validates `path`. Reports every problem found, not just the first.
LoadResult LoadConfig(const std::string& path);

// The keys of a `guardrails` mapping, and their reader: rebound.yaml and playbook test files
// (`rebound test`) share them. Problems go to guard.errors().
std::vector<std::string> GuardrailKeys();
void ParseGuardrailConfig(const common::StrictMap& guard,
                          controller::healing::GuardrailConfig& out);

}  // namespace rebound::app
