#include "app/daemon.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/status_page.h"
#include "common/duration.h"
#include "common/logging.h"
#include "controller/intake/episodes_handler.h"

namespace rebound::app {
namespace {

using common::HttpRequest;
using common::HttpResponse;
using common::HttpServer;

constexpr auto kMaintenanceInterval = std::chrono::hours(1);

// An open GET route: probes, and /metrics before its own check is added.
HttpServer::Route Get(common::HttpHandler handler) {
  HttpServer::Route route;
  route.methods = {"GET"};
  route.handler = std::move(handler);
  return route;
}

}  // namespace

Daemon::Daemon(Config config)
    : config_(std::move(config)),
      registry_(std::make_shared<prometheus::Registry>()),
      process_collector_(std::make_shared<exporter::ProcessCollector>()),
      max_body_bytes_(config_.webhook.max_body_bytes) {}

Daemon::~Daemon() { Stop(); }

common::Status Daemon::Start() {
  using namespace controller::intake;
  self_metrics_ = std::make_unique<exporter::SelfMetrics>(*registry_, CurrentBuild());
  intake_metrics_ = std::make_unique<exporter::IntakeMetrics>(*registry_);

  // Before anything opens the state: a second daemon on it would share the journal.
  common::Result<std::unique_ptr<store::StateDirLock>> lock =
      store::StateDirLock::Acquire(config_.state_dir, clock_.Now());
  if (!lock.ok()) return lock.status();
  state_lock_ = std::move(*lock);

  Journal::Options journal_options;
  journal_options.state_dir = config_.state_dir;
  journal_options.retention = config_.journal.retention;
  journal_options.max_rows = config_.journal.max_rows;
  journal_options.observe_commit = [metrics = intake_metrics_.get()](std::chrono::nanoseconds d) {
    metrics->journal_write.Observe(std::chrono::duration<double>(d).count());
  };
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(journal_options, clock_);
  if (!journal.ok()) return journal.status().WithContext("opening the journal");
  journal_ = std::move(journal).value();

  common::Result<std::unique_ptr<Leadership>> leadership = Leadership::ForDaemon(
      config_, PodIdentity::FromEnvironment(),
      ClientDeps{http_, clock_, sleeper_, random_, nullptr, {}}, self_metrics_->leader, leader_,
      [this] { healing_->Lead(); }, [this] { healing_->StandBy(); });
  if (!leadership.ok()) return leadership.status();
  leadership_ = std::move(*leadership);
  // Only the leader schedules chaos (asked before every run).
  chaos_ = std::make_unique<ChaosService>(config_, clock_, *registry_,
                                          [this] { return leader_.IsLeader(); });
  healing_ = std::make_unique<HealingService>(
      config_, clock_, *registry_,
      [chaos = chaos_.get()](const std::string& target) { return chaos->RunActiveOn(target); });
  if (common::Status healing = healing_->Start(*journal_, !leadership_); !healing.ok()) {
    healing_.reset();
    chaos_.reset();
    journal_.reset();
    return healing;
  }
  // Before the worker starts: no remediation asks RunActiveOn while the engine is being set.
  if (common::Status chaos = chaos_->Start(*healing_); !chaos.ok()) {
    healing_->Stop();
    healing_.reset();
    chaos_.reset();
    journal_.reset();
    return chaos;
  }

  queue_ = std::make_unique<WorkQueue>(config_.webhook.queue_capacity);
  webhook_ = std::make_unique<WebhookHandler>(*journal_, *queue_, *intake_metrics_);
  SetHttpAuth(config_);
  worker_ = std::make_unique<Worker>(
      *journal_, *queue_, *intake_metrics_,
      [this](const std::vector<Episode>& episodes, std::stop_token stop) {
        return healing_->Submit(episodes, stop);
      },
      /*resume_at_start=*/!leadership_);
  worker_->Start();

  HttpServer::Options server_options;
  server_options.listen = config_.listen;
  server_options.tls_cert_file = config_.tls.cert_file;
  server_options.tls_key_file = config_.tls.key_file;
  server_options.num_threads = config_.server.threads;
  server_options.max_connections = config_.server.max_connections;
  server_options.request_timeout = config_.server.request_timeout;
  server_options.body_timeout = config_.server.body_timeout;
  server_ = std::make_unique<HttpServer>(server_options);

  AddRoutes();

  common::Status started = server_->Start();
  if (!started.ok()) {
    queue_->Close();
    worker_->Join();
    chaos_->Stop();
    healing_->Stop();
    return started;
  }
  spdlog::info("rebound {} listening on {}://{}:{} (state in {})", CurrentBuild().version,
               server_->tls() ? "https" : "http",
               common::ParseListenAddress(config_.listen)->first, server_->port(),
               config_.state_dir);
  StartAnomalyScoring(config_.anomaly.signals);
  if (leadership_) leadership_->Start();
  ready_ = true;
  // Journal settings need a restart, so the maintenance thread keeps its own copy.
  maintenance_ = std::thread([this, retention = config_.journal.retention] {
    RunMaintenance(retention);
  });
  return common::Status::Ok();
}

void Daemon::SetHttpAuth(const Config& config) {
  const Config::Secrets& secrets = config.secrets;
  common::HttpCredentials webhook{secrets.bearer_token, secrets.basic_username,
                                  secrets.basic_password};
  if (webhook.empty()) {
    spdlog::warn("webhook authentication is disabled: anyone who can reach {} can post alerts",
                 config.listen);
  }
  webhook_->SetAuth(webhook);
  // Whoever may change what the daemon does may also read what it did.
  if (config.api.read_auth) {
    read_auth_.Set({webhook, common::HttpCredentials::Bearer(secrets.api_bearer_token)});
  } else {
    read_auth_.Set({});
  }
  metrics_auth_.Set({common::HttpCredentials::Bearer(secrets.metrics_bearer_token)});
}

HttpServer::Route Daemon::ReadRoute(common::HttpHandler handler) {
  HttpServer::Route route = Get(std::move(handler));
  route.check_headers = [this](const HttpRequest& r) { return read_auth_.Check(r); };
  return route;
}

void Daemon::AddRoutes() {
  HttpServer::Route webhook;
  webhook.methods = {"POST"};
  webhook.handler = [this](const HttpRequest& r) { return webhook_->Handle(r); };
  webhook.max_body_bytes = [this] { return max_body_bytes_.load(); };
  webhook.check_headers = [this](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (auto refused = webhook_->CheckHeaders(r)) return refused;
    if (leader_.IsLeader()) return std::nullopt;
    // This replica's journal is not the one that heals: Alertmanager retries (at the leader).
    HttpResponse response =
        HttpResponse::Error(503, "not the leader: this replica does not act; the leader is \"" +
                                     leader_.holder() + "\"");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  };
  webhook.observe_status = [this](int code) { intake_metrics_->WebhookRequests(code).Increment(); };
  server_->Handle("/webhook/alertmanager", std::move(webhook));
  HttpServer::Route metrics = Get([this](const HttpRequest&) {
    return exporter::RenderMetrics({registry_, process_collector_, healing_->target_states()});
  });
  metrics.check_headers = [this](const HttpRequest& r) { return metrics_auth_.Check(r); };
  server_->Handle("/metrics", std::move(metrics));
  // The probes stay open: the kubelet sends no credentials.
  server_->Handle("/healthz", Get([](const HttpRequest&) {
                    return HttpResponse::Json(200, {{"status", "ok"}});
                  }));
  server_->Handle("/readyz", Get([this](const HttpRequest&) { return Ready(); }));
  // alertmanager.url needs a restart, so its state is fixed here; healing reports the others.
  std::string alertmanager =
      config_.alertmanager.url.empty() ? "not configured (alertmanager.url)" : "configured";
  server_->Handle("/", ReadRoute([this, alertmanager](const HttpRequest&) {
                    return StatusPage(alertmanager);
                  }));
  server_->Handle("/api/v1/episodes", ReadRoute([this](const HttpRequest& r) {
                    return HandleListEpisodes(*journal_, r);
                  }));
  server_->Handle("/api/v1/actions",
                  ReadRoute([this](const HttpRequest& r) { return healing_->HandleActions(r); }));
  server_->Handle("/api/v1/status", ReadRoute([this](const HttpRequest& r) {
                    return healing_->HandleStatus(r, leader_.ToJson());
                  }));
  server_->Handle("/api/v1/chaos",
                  ReadRoute([this](const HttpRequest& r) { return chaos_->HandleList(r); }));
  server_->HandlePrefix("/api/v1/chaos/runs/",
                        ReadRoute([this](const HttpRequest& r) { return chaos_->HandleRun(r); }));
  server_->Handle("/api/v1/coverage",
                  ReadRoute([this](const HttpRequest& r) { return chaos_->HandleCoverage(r); }));
  // The kill switch and chaos runs change what the daemon does: they need the webhook's
  // credentials.
  for (bool paused : {true, false}) {
    server_->Handle(paused ? "/api/v1/pause" : "/api/v1/resume",
                    AuthenticatedPost([this, paused](const HttpRequest& r) {
                      return healing_->SetPaused(paused, r.remote_addr);
                    }));
  }
  server_->HandlePrefix(
      "/api/v1/chaos/experiments/",
      AuthenticatedPost([this](const HttpRequest& r) { return chaos_->HandleTrigger(r); }));
}

HttpResponse Daemon::StatusPage(const std::string& alertmanager) const {
  const HttpRequest plain;
  HttpRequest actions;
  actions.query = "limit=" + std::to_string(kStatusPageActions);
  StatusPageData data;
  data.version = CurrentBuild().version;
  data.now = clock_.Now();
  data.status = ApiData(healing_->HandleStatus(plain, leader_.ToJson()));
  data.actions = ApiData(healing_->HandleActions(actions));
  data.targets = TargetStatesJson(healing_->target_states()->Collect());
  data.chaos = ApiData(chaos_->HandleList(plain));
  data.coverage = ApiData(chaos_->HandleCoverage(plain));
  data.alertmanager = alertmanager;
  return StatusPageResponse(RenderStatusPage(data));
}

HttpServer::Route Daemon::AuthenticatedPost(common::HttpHandler handler) {
  HttpServer::Route route;
  route.methods = {"POST"};
  route.max_body_bytes = [] { return size_t{4096}; };
  route.check_headers = [this](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (webhook_->Authenticated(r)) return std::nullopt;
    return common::Unauthorized();
  };
  route.handler = std::move(handler);
  return route;
}

HttpResponse Daemon::Ready() const {
  if (!ready_) {
    return HttpResponse::Json(503, {{"status", "not ready"}, {"reasons", {"starting or stopping"}}});
  }
  if (!leader_.known()) {
    return HttpResponse::Json(
        503, {{"status", "not ready"}, {"reasons", {"leader election: no round completed yet"}}});
  }
  // Missing dependencies do not make the daemon unready: intake and the journal still work. A
  // follower is ready too: it knows it is one.
  return HttpResponse::Json(200, {{"status", "ready"},
                                  {"dependencies", healing_->Dependencies()},
                                  {"leader", leader_.ToJson()}});
}

void Daemon::StartAnomalyScoring(const std::vector<controller::anomaly::SignalSet>& sets) {
  using namespace controller::anomaly;
  if (anomaly_ || sets.empty()) return;
  controller::promql::PrometheusApi* prometheus = healing_->prometheus();
  if (prometheus == nullptr) {
    spdlog::error("anomaly: no usable Prometheus client, so the {} signal set(s) are not scored",
                  sets.size());
    return;
  }
  common::Result<std::unique_ptr<ScorerStore>> store = ScorerStore::Open(config_.state_dir);
  if (store.ok()) {
    scorer_store_ = std::move(*store);
  } else {
    spdlog::error("anomaly: scorer state will not survive a restart: {}",
                  store.status().message());
  }
  anomaly_ = std::make_unique<ContinuousScorer>(
      ContinuousScorer::Deps{*prometheus, scorer_store_.get(), clock_, sleeper_, *registry_},
      config_.anomaly.step, sets);
  anomaly_->Start();
  spdlog::info("anomaly: scoring {} signal set(s) every {}", sets.size(),
               common::FormatDuration(config_.anomaly.step));
}

void Daemon::RunMaintenance(std::chrono::milliseconds heal_log_retention) {
  std::unique_lock lock(maintenance_mu_);
  do {
    lock.unlock();
    common::Result<size_t> deleted = journal_->ApplyRetention();
    if (!deleted.ok()) {
      intake_metrics_->journal_errors.Increment();
      spdlog::error("journal retention failed: {}", deleted.status().message());
    } else if (*deleted > 0) {
      spdlog::info("journal retention removed {} closed episode(s)", *deleted);
    }
    healing_->ApplyRetention(heal_log_retention);
    lock.lock();
  } while (!maintenance_cv_.wait_for(lock, kMaintenanceInterval, [this] { return stopping_; }));
}

common::Status Daemon::ApplyOnReload(ReloadApply apply, const Config& next) {
  switch (apply) {
    case ReloadApply::kAnomalySignals:
      if (anomaly_) {
        anomaly_->SetSets(next.anomaly.signals);
      } else {
        StartAnomalyScoring(next.anomaly.signals);
      }
      return common::Status::Ok();
    case ReloadApply::kHealing:
      if (common::Status reloaded = healing_->Reload(next); !reloaded.ok()) return reloaded;
      chaos_->Reload();
      return common::Status::Ok();
    case ReloadApply::kLogging:
      return common::SetupLogging(next.log.format, next.log.level);
    case ReloadApply::kHttpAuth:
      SetHttpAuth(next);
      return common::Status::Ok();
    case ReloadApply::kWebhookBodyLimit:
      max_body_bytes_ = next.webhook.max_body_bytes;
      return common::Status::Ok();
    case ReloadApply::kQueueCapacity:
      queue_->SetCapacity(next.webhook.queue_capacity);
      return common::Status::Ok();
    case ReloadApply::kRestart:
      break;
  }
  return common::Status::Ok();
}

bool Daemon::Reload(const Config& next) {
  for (std::string_view key : RestartRequiredChanges(config_, next)) {
    spdlog::warn("config reload: {} changed; it takes effect after a restart", key);
  }
  bool playbooks_ok = true;
  for (ReloadApply apply : ReloadAppliers()) {
    common::Status applied = ApplyOnReload(apply, next);
    if (applied.ok()) continue;
    if (apply == ReloadApply::kHealing) {
      playbooks_ok = false;
      spdlog::error("config reload: {}; keeping the running playbooks", applied.message());
    } else {
      spdlog::error("config reload: {}", applied.message());
    }
  }
  // What needs a restart stays as it runs now, so later reloads compare against it.
  Config in_force = KeepRestartRequired(config_, next);
  if (!playbooks_ok) in_force.playbooks = config_.playbooks;
  config_ = std::move(in_force);
  spdlog::info("config reloaded from {}", config_.file);
  return playbooks_ok;
}

void Daemon::Stop() {
  if (!server_) return;
  ready_ = false;
  spdlog::info("stopping: finishing in-flight requests");
  server_->Stop();
  if (leadership_) {
    spdlog::info("stopping: giving up leadership (remediations resume at the next leadership)");
    leadership_.reset();
  }
  {
    std::lock_guard lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (anomaly_) {
    spdlog::info("stopping: anomaly scoring");
    anomaly_.reset();
  }
  scorer_store_.reset();
  spdlog::info("stopping: draining {} queued episode(s)", queue_->depth());
  queue_->Close();
  worker_->Join();
  spdlog::info("stopping: aborting chaos runs (each undoes its fault)");
  chaos_->Stop();
  spdlog::info("stopping: interrupting running remediations (resumed at the next start)");
  healing_->Stop();
  chaos_.reset();
  healing_.reset();
  journal_.reset();
  server_.reset();
  spdlog::info("stopped");
}

}  // namespace rebound::app
