// Daemon: `rebound run` — wires the journal, intake queue, worker, healing, metrics and the
// HTTP server, and chaos.
//
// Start() opens the journal, resumes unfinished episodes, starts serving and, when
// `anomaly.signals` names any signal set, continuous anomaly scoring; Stop() drains: the HTTP
// server finishes in-flight requests (each one either durably accepted or refused), scoring
// stops, then the worker finishes what is queued, then chaos runs in progress are aborted (each
// undoing its fault), then running remediations are interrupted (their episodes resume at the next
// start), then the journal is closed. Reload() applies a new config as app/reload_keys.h's table
// says, key by key: credentials, body limit, queue capacity, logging, playbooks, guardrails and
// anomaly signal sets change at once (an invalid playbook set keeps the running one); every other
// key needs a restart (logged as such).
//
// With leader election (app/leadership.h) only the leader heals: a follower answers the
// webhook 503 with Retry-After, and Stop() gives leadership up first (lease released, pod
// label removed, remediations interrupted) before draining.
//
// Thread-safety: Start/Stop/Reload are called from the main thread; HTTP handlers run on the
// server's threads.
#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/chaos_service.h"
#include "app/config.h"
#include "app/healing_service.h"
#include "app/leadership.h"
#include "app/reload_keys.h"
#include "common/clock.h"
#include "common/http_auth.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "common/random.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "controller/anomaly/continuous_scorer.h"
#include "controller/anomaly/scorer_store.h"
#include "controller/intake/journal.h"
#include "controller/intake/webhook_handler.h"
#include "controller/intake/work_queue.h"
#include "controller/intake/worker.h"
#include "exporter/intake_metrics.h"
#include "exporter/self_metrics.h"
#include "store/state_dir.h"

namespace rebound::app {

// "0.1.0" and the git revision the binary was built from.
exporter::BuildInfo CurrentBuild();

class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();

  // Unavailable when the journal cannot be opened or the listen address cannot be bound;
  // InvalidArgument when a playbook is invalid.
  common::Status Start();
  // False (the running configuration kept, in part) when the new playbooks are invalid.
  bool Reload(const Config& next);
  void Stop();

  int port() const { return server_ ? server_->port() : 0; }
  exporter::SelfMetrics& self_metrics() { return *self_metrics_; }
  // Whether this replica leads now; what may act only on the leader (chaos) asks it.
  const LeaderState& leader() const { return leader_; }

 private:
  common::HttpResponse Ready() const;
  // GET /: the status page, from the read API's answers; `alertmanager` is that dependency's
  // state.
  common::HttpResponse StatusPage(const std::string& alertmanager) const;
  void AddRoutes();
  // A GET route for the read API (GET /, /api/v1/*): needs credentials with api.read_auth.
  common::HttpServer::Route ReadRoute(common::HttpHandler handler);
  // Takes the credentials of `config` into use on every route that checks them.
  void SetHttpAuth(const Config& config);
  // A POST route that needs the webhook's credentials (401 without them).
  common::HttpServer::Route AuthenticatedPost(common::HttpHandler handler);
  // Applies journal and heal-log retention now and then every hour until Stop().
  void RunMaintenance(std::chrono::milliseconds heal_log_retention);
  // Takes `next` into use in the way `apply` names (never kRestart). Failure: the part keeps
  // its running configuration (kHealing: invalid playbooks; kLogging: bad format or level).
  common::Status ApplyOnReload(ReloadApply apply, const Config& next);
  // Starts scoring `sets` continuously, unless it runs already or `sets` is empty; without a
  // usable Prometheus client it logs why and does not.
  void StartAnomalyScoring(const std::vector<controller::anomaly::SignalSet>& sets);

  Config config_;
  common::SystemClock clock_;
  common::RealSleeper sleeper_;
  common::CurlHttpClient http_;  // the leader election's Kubernetes client
  common::SystemRandom random_;
  LeaderState leader_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<exporter::ProcessCollector> process_collector_;
  std::unique_ptr<exporter::SelfMetrics> self_metrics_;
  std::unique_ptr<exporter::IntakeMetrics> intake_metrics_;
  // Held from Start until the daemon is destroyed: one daemon per state_dir.
  std::unique_ptr<store::StateDirLock> state_lock_;
  std::unique_ptr<controller::intake::Journal> journal_;
  // Built before healing (which asks it which targets are under a drill), started after it.
  std::unique_ptr<ChaosService> chaos_;
  std::unique_ptr<HealingService> healing_;
  std::unique_ptr<Leadership> leadership_;  // null: election off, this process leads
  std::unique_ptr<controller::intake::WorkQueue> queue_;
  std::unique_ptr<controller::intake::WebhookHandler> webhook_;
  common::CredentialCheck read_auth_;     // GET / and GET /api/v1/*
  common::CredentialCheck metrics_auth_;  // GET /metrics
  std::unique_ptr<controller::intake::Worker> worker_;
  std::unique_ptr<common::HttpServer> server_;
  std::unique_ptr<controller::anomaly::ScorerStore> scorer_store_;
  std::unique_ptr<controller::anomaly::ContinuousScorer> anomaly_;  // null: nothing to score
  std::atomic<size_t> max_body_bytes_;
  std::atomic<bool> ready_{false};

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
  std::thread maintenance_;
};

}  // namespace rebound::app
