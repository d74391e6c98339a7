#include "app/reload_keys.h"

#include <algorithm>

namespace rebound::app {
namespace {

// The field reached from a Config through a chain of data members.
template <auto Member, auto... Rest, typename T>
constexpr auto& At(T& object) {
  if constexpr (sizeof...(Rest) == 0) {
    return object.*Member;
  } else {
    return At<Rest...>(object.*Member);
  }
}

template <auto... Path>
constexpr ReloadKey Restart(std::string_view key) {
  return {key, ReloadApply::kRestart,
          [](const Config& a, const Config& b) { return At<Path...>(a) != At<Path...>(b); },
          [](const Config& from, Config& to) { At<Path...>(to) = At<Path...>(from); }};
}

constexpr ReloadKey Applied(std::string_view key, ReloadApply apply) {
  return {key, apply, nullptr, nullptr};
}

using A = ReloadApply;
using C = Config;

constexpr ReloadKey kReloadKeys[] = {
    Restart<&C::listen>("listen"),
    Restart<&C::tls, &C::Tls::cert_file>("tls.cert_file"),
    Restart<&C::tls, &C::Tls::key_file>("tls.key_file"),
    Applied("webhook.bearer_token_file", A::kHttpAuth),
    Applied("webhook.bearer_token_env", A::kHttpAuth),
    Applied("webhook.basic_auth", A::kHttpAuth),
    Applied("api.read_auth", A::kHttpAuth),
    Applied("api.bearer_token_file", A::kHttpAuth),
    Applied("api.bearer_token_env", A::kHttpAuth),
    Applied("metrics.bearer_token_file", A::kHttpAuth),
    Applied("metrics.bearer_token_env", A::kHttpAuth),
    Applied("webhook.max_body_bytes", A::kWebhookBodyLimit),
    Applied("webhook.queue_capacity", A::kQueueCapacity),
    Restart<&C::state_dir>("state_dir"),
    Restart<&C::journal, &C::Journal::retention>("journal.retention"),
    Restart<&C::journal, &C::Journal::max_rows>("journal.max_rows"),
    Restart<&C::kubernetes, &C::Kubernetes::mode>("kubernetes.mode"),
    Restart<&C::kubernetes, &C::Kubernetes::kubeconfig>("kubernetes.kubeconfig"),
    Restart<&C::kubernetes, &C::Kubernetes::context>("kubernetes.context"),
    Restart<&C::prometheus, &C::Endpoint::url>("prometheus.url"),
    Restart<&C::prometheus, &C::Endpoint::timeout>("prometheus.timeout"),
    Restart<&C::alertmanager, &C::Endpoint::url>("alertmanager.url"),
    Restart<&C::alertmanager, &C::Endpoint::timeout>("alertmanager.timeout"),
    // The Slack notifier is built once at start with its URL, channel and dashboard link.
    Restart<&C::slack, &C::Slack::webhook_url_file>("slack.webhook_url_file"),
    Restart<&C::slack, &C::Slack::webhook_url_env>("slack.webhook_url_env"),
    Restart<&C::slack, &C::Slack::channel>("slack.channel"),
    Restart<&C::slack, &C::Slack::dashboard_url>("slack.dashboard_url"),
    Applied("playbooks", A::kHealing),
    Applied("guardrails", A::kHealing),
    Restart<&C::healing, &C::Healing::max_concurrent>("healing.max_concurrent"),
    Restart<&C::healing, &C::Healing::verify_interval>("healing.verify_interval"),
    // The chaos engine and its runner are built once at start (experiments reload with the
    // playbooks).
    Restart<&C::chaos, &C::Chaos::max_concurrent>("chaos.max_concurrent"),
    Restart<&C::chaos, &C::Chaos::poll_interval>("chaos.poll_interval"),
    Restart<&C::chaos, &C::Chaos::settle>("chaos.settle"),
    Restart<&C::anomaly, &C::Anomaly::step>("anomaly.step"),
    Restart<&C::anomaly, &C::Anomaly::on_missing_data>("anomaly.on_missing_data"),
    Applied("anomaly.signals", A::kAnomalySignals),
    // The election runs with the settings it started with.
    Restart<&C::leader_election, &C::LeaderElection::enabled>("leader_election.enabled"),
    Restart<&C::leader_election, &C::LeaderElection::lease_name>("leader_election.lease_name"),
    Restart<&C::leader_election, &C::LeaderElection::lease_namespace>("leader_election.namespace"),
    Restart<&C::leader_election, &C::LeaderElection::lease_duration>(
        "leader_election.lease_duration"),
    Restart<&C::leader_election, &C::LeaderElection::renew_deadline>(
        "leader_election.renew_deadline"),
    Restart<&C::leader_election, &C::LeaderElection::retry_period>("leader_election.retry_period"),
    Applied("log.format", A::kLogging),
    Applied("log.level", A::kLogging),
    Restart<&C::server, &C::Server::threads>("server.threads"),
    Restart<&C::server, &C::Server::max_connections>("server.max_connections"),
    Restart<&C::server, &C::Server::request_timeout>("server.request_timeout"),
    Restart<&C::server, &C::Server::body_timeout>("server.body_timeout"),
};

}  // namespace

std::span<const ReloadKey> ReloadKeys() { return kReloadKeys; }

std::vector<std::string_view> RestartRequiredChanges(const Config& running, const Config& next) {
  std::vector<std::string_view> changed;
  for (const ReloadKey& key : kReloadKeys) {
    if (key.apply == ReloadApply::kRestart && key.differs(running, next)) {
      changed.push_back(key.key);
    }
  }
  return changed;
}

Config KeepRestartRequired(const Config& running, Config next) {
  for (const ReloadKey& key : kReloadKeys) {
    if (key.apply == ReloadApply::kRestart) key.copy(running, next);
  }
  return next;
}

std::vector<ReloadApply> ReloadAppliers() {
  std::vector<ReloadApply> appliers;
  for (const ReloadKey& key : kReloadKeys) {
    if (key.apply != ReloadApply::kRestart) appliers.push_back(key.apply);
  }
  std::sort(appliers.begin(), appliers.end());
  appliers.erase(std::unique(appliers.begin(), appliers.end()), appliers.end());
  return appliers;
}

}  // namespace rebound::app
