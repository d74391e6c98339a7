// HealingService: the healing half of `rebound run` — builds the clients healing needs from
// rebound.yaml (Kubernetes, Prometheus, Slack), loads the playbooks, restores guardrail state
// from the heal log, runs the Healer, and serves the healing API:
//   GET  /api/v1/actions   recent decisions and actions with their reasons (?limit=, ?playbook=),
//                          streamed a page at a time (the service must outlive the response)
//   GET  /api/v1/status    paused, running remediations, dependencies, playbooks
//   POST /api/v1/pause     the kill switch: no action runs until resumed (authenticated)
//   POST /api/v1/resume
// Only the leader acts (app/leadership.h): Start(journal, false) starts standing by, Lead()
// starts a Healer and hands it the episodes left pending in the journal, StandBy() interrupts
// it; while standing by, Submit leaves episodes pending in the journal for the next Lead().
// Missing or unreachable dependencies do not stop the daemon: healing reports them (status,
// readiness, logs) and refuses what it cannot do; a remediation needing an unreachable
// Kubernetes API retries while its alert fires.
//
// Thread-safety: Start, Reload and Stop are called from the main thread; Submit from the intake
// worker; Lead and StandBy from the election thread (between Start and Stop); the handlers
// from HTTP threads.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/kube_api_observer.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "common/sleeper.h"
#include "controller/actions/action.h"
#include "controller/chaos/experiment.h"
#include "controller/healing/guardrails.h"
#include "controller/healing/heal_log.h"
#include "controller/healing/healer.h"
#include "controller/intake/journal.h"
#include "controller/notify/notifier.h"
#include "controller/playbook/playbook_index.h"
#include "controller/promql/prometheus_api.h"
#include "exporter/heal_metrics.h"
#include "kube/kube_client.h"

namespace rebound::app {

class HealingService {
 public:
  // What Start and the last successful Reload loaded.
  struct Loaded {
    std::shared_ptr<const controller::playbook::PlaybookIndex> index;
    std::vector<std::shared_ptr<const controller::chaos::Experiment>> experiments;
  };

  // `drill` says whether a chaos run works on a target ("Deployment shop/web"): healing marks
  // its Slack messages about that target as a drill. Null: never.
  HealingService(const Config& config, const common::Clock& clock, prometheus::Registry& registry,
                 std::function<bool(const std::string& target)> drill = nullptr);
  ~HealingService();

  // Loads the playbooks (InvalidArgument listing every error when any is invalid), opens the
  // heal log (after the journal), and starts notifying and, when `acting`, healing (the intake
  // worker resumes the pending episodes).
  common::Status Start(controller::intake::Journal& journal, bool acting = true);
  // Hands over episodes the intake worker has recorded as pending (Healer::Submit: may block
  // while healing is full; false once `stop` ended the wait). Standing by, they stay pending.
  bool Submit(const std::vector<controller::intake::Episode>& episodes, std::stop_token stop);
  // Starts healing, unless it runs, and hands the unfinished episodes in the journal to it on
  // a thread of its own (an episode the worker hands over meanwhile may be handed over twice,
  // which healing tolerates: the remediation of a target runs once and folds the other).
  void Lead();
  // Interrupts the remediations (their episodes stay pending) and stops healing until Lead().
  void StandBy();
  // Applies new guardrails and playbooks; on an invalid playbook set keeps the running
  // playbooks and returns the errors. Kubernetes, Prometheus and Slack settings need a restart.
  common::Status Reload(const Config& next);
  // Deletes heal-log records older than `retention`.
  void ApplyRetention(std::chrono::milliseconds retention);
  // Interrupts remediations (their episodes are resumed at the next start) and stops.
  void Stop();

  common::HttpResponse HandleActions(const common::HttpRequest& request) const;
  // `leader` is the daemon's LeaderState as JSON, shown as data.leader.
  common::HttpResponse HandleStatus(const common::HttpRequest& request,
                                    const nlohmann::json& leader) const;
  // Turns the kill switch on or off; `who` (the client address) goes to the log.
  common::HttpResponse SetPaused(bool paused, const std::string& who);

  // What is missing or unconfigured, for /readyz and /api/v1/status: {"kubernetes": "...", ...}.
  nlohmann::json Dependencies() const;
  // rebound_target_state, read from the healer at each scrape (nothing before Start).
  std::shared_ptr<prometheus::Collectable> target_states() const { return target_states_; }
  // The playbooks and chaos experiments in force. Thread-safe.
  Loaded loaded() const;
  // Whether the kill switch is on. Thread-safe.
  bool paused() const;
  // Whether a remediation is working on `target` ("Deployment shop/web"). Thread-safe.
  bool RemediationActiveOn(const std::string& target) const;

  // The clients and logs healing uses, for the chaos service; valid from Start until the
  // service is destroyed (the notifier until Stop).
  kube::KubeClient& kube() const { return *kube_; }
  const controller::healing::HealLog& heal_log() const { return *log_; }
  controller::notify::Notifier& notifier() const { return *notifier_; }
  common::HttpClient& http() { return http_; }
  const std::string& instance() const { return deps_->instance; }

  // The Prometheus client healing uses (thread-safe), for continuous anomaly scoring; nullptr
  // before Start or when none is configured or usable.
  controller::promql::PrometheusApi* prometheus() const { return prometheus_.get(); }

 private:
  void BuildClients();
  void SetLoaded(Loaded loaded);
  size_t PlaybookCount() const;
  void BuildNotifier();
  std::shared_ptr<controller::healing::Healer> healer() const;
  // Interrupts the remediations and waits for them; with `and_clients` the API clients stop
  // retrying too (for good).
  void StopHealer(bool and_clients);
  // Hands the unfinished episodes in the journal to `healer` until `stop`.
  void Resume(controller::healing::Healer& healer, std::stop_token stop);

  Config config_;
  const common::Clock& clock_;
  prometheus::Registry& registry_;
  common::CurlHttpClient http_;
  common::RealSleeper sleeper_;
  common::SystemRandom random_;
  KubeApiObserver kube_observer_;
  std::stop_source clients_stop_;  // requested by Stop(): the clients stop retrying
  exporter::HealMetrics metrics_;
  std::shared_ptr<exporter::TargetStateCollector> target_states_;
  controller::actions::ActionRegistry actions_;

  std::unique_ptr<kube::KubeClient> kube_;
  std::string kube_state_;  // "ok (<source>)" or why there is no client
  std::unique_ptr<controller::promql::PrometheusApi> prometheus_;
  std::string prometheus_state_;
  std::unique_ptr<controller::notify::Notifier> notifier_;
  std::string slack_state_;

  std::unique_ptr<controller::healing::HealLog> log_;
  std::unique_ptr<controller::healing::Guardrails> guardrails_;
  std::unique_ptr<controller::healing::HealingDeps> deps_;
  controller::healing::Healer::Options healer_options_;
  mutable std::mutex healer_mu_;
  std::shared_ptr<controller::healing::Healer> healer_;  // guarded by healer_mu_; null: standing by
  std::jthread resumer_;  // Lead()'s hand-over of the pending episodes
  std::function<bool(const std::string&)> drill_;
  mutable std::mutex loaded_mu_;
  Loaded loaded_;  // guarded by loaded_mu_
};

}  // namespace rebound::app
