#include "app/daemon.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/duration.h"
#include "common/logging.h"
#include "controller/intake/episodes_handler.h"

namespace rebound::app {
namespace {

using common::HttpRequest;
using common::HttpResponse;
using common::HttpServer;

constexpr auto kMaintenanceInterval = std::chrono::hours(1);

controller::intake::WebhookAuth AuthFrom(const Config& config) {
  return {config.secrets.bearer_token, config.secrets.basic_username,
          config.secrets.basic_password};
}

void WarnIfUnauthenticated(const Config& config) {
  if (config.secrets.bearer_token.empty() && config.secrets.basic_username.empty()) {
    spdlog::warn("webhook authentication is disabled: anyone who can reach {} can post alerts",
                 config.listen);
  }
}

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
  self_metrics_->leader.Set(1);
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

  // Only the leader runs chaos; until leader election lands every replica leads.
  chaos_ = std::make_unique<ChaosService>(config_, clock_, *registry_, [] { return true; });
  healing_ = std::make_unique<HealingService>(
      config_, clock_, *registry_,
      [chaos = chaos_.get()](const std::string& target) { return chaos->RunActiveOn(target); });
  if (common::Status healing = healing_->Start(*journal_); !healing.ok()) {
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
  webhook_->SetAuth(AuthFrom(config_));
  WarnIfUnauthenticated(config_);
  worker_ =
      std::make_unique<Worker>(*journal_, *queue_, *intake_metrics_,
                               [this](const std::vector<Episode>& episodes, std::stop_token stop) {
                                 return healing_->Submit(episodes, stop);
                               });
  worker_->Start();

  HttpServer::Options server_options;
  server_options.listen = config_.listen;
  server_options.tls_cert_file = config_.tls.cert_file;
  server_options.tls_key_file = config_.tls.key_file;
  server_options.num_threads = config_.server.threads;
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
  ready_ = true;
  // Journal settings need a restart, so the maintenance thread keeps its own copy.
  maintenance_ = std::thread([this, retention = config_.journal.retention] {
    RunMaintenance(retention);
  });
  return common::Status::Ok();
}

void Daemon::AddRoutes() {
  HttpServer::Route webhook;
  webhook.methods = {"POST"};
  webhook.handler = [this](const HttpRequest& r) { return webhook_->Handle(r); };
  webhook.max_body_bytes = [this] { return max_body_bytes_.load(); };
  webhook.check_headers = [this](const HttpRequest& r) { return webhook_->CheckHeaders(r); };
  webhook.observe_status = [this](int code) { intake_metrics_->WebhookRequests(code).Increment(); };
  server_->Handle("/webhook/alertmanager", std::move(webhook));
  server_->Handle("/metrics", Get([this](const HttpRequest&) {
                    return exporter::RenderMetrics({registry_, process_collector_});
                  }));
  server_->Handle("/healthz", Get([](const HttpRequest&) {
                    return HttpResponse::Json(200, {{"status", "ok"}});
                  }));
  server_->Handle("/readyz", Get([this](const HttpRequest&) { return Ready(); }));
  server_->Handle("/api/v1/episodes", Get([this](const HttpRequest& r) {
                    return HandleListEpisodes(*journal_, r);
                  }));
  server_->Handle("/api/v1/actions",
                  Get([this](const HttpRequest& r) { return healing_->HandleActions(r); }));
  server_->Handle("/api/v1/status",
                  Get([this](const HttpRequest& r) { return healing_->HandleStatus(r); }));
  server_->Handle("/api/v1/chaos",
                  Get([this](const HttpRequest& r) { return chaos_->HandleList(r); }));
  server_->HandlePrefix("/api/v1/chaos/runs/",
                        Get([this](const HttpRequest& r) { return chaos_->HandleRun(r); }));
  server_->Handle("/api/v1/coverage",
                  Get([this](const HttpRequest& r) { return chaos_->HandleCoverage(r); }));
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

HttpServer::Route Daemon::AuthenticatedPost(common::HttpHandler handler) {
  HttpServer::Route route;
  route.methods = {"POST"};
  route.max_body_bytes = [] { return size_t{4096}; };
  route.check_headers = [this](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (webhook_->Authenticated(r)) return std::nullopt;
    HttpResponse response = HttpResponse::Error(401, "missing or invalid credentials");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rebound\"");
    return response;
  };
  route.handler = std::move(handler);
  return route;
}

HttpResponse Daemon::Ready() const {
  if (!ready_) {
    return HttpResponse::Json(503, {{"status", "not ready"}, {"reasons", {"starting or stopping"}}});
  }
  // Missing dependencies do not make the daemon unready: intake and the journal still work.
  return HttpResponse::Json(200, {{"status", "ready"}, {"dependencies", healing_->Dependencies()}});
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
    case ReloadApply::kWebhookAuth:
      webhook_->SetAuth(AuthFrom(next));
      WarnIfUnauthenticated(next);
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
