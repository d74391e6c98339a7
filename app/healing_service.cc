#include "app/healing_service.h"

#include <spdlog/spdlog.h>

#include "app/clients.h"
#include "common/duration.h"
#include "common/json_stream.h"
#include "common/secret.h"
#include "common/time_format.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/notify/log_notifier.h"
#include "controller/notify/slack_notifier.h"
#include "controller/playbook/playbook_index.h"
#include "controller/playbook/playbook_loader.h"

namespace rebound::app {
namespace {

using common::HttpRequest;
using common::HttpResponse;
using controller::healing::HealRecord;

// Stands in for the Kubernetes client when none could be configured: every call fails with
// the reason, so healing refuses with it instead of crashing or guessing.
class UnconfiguredKubeClient final : public kube::KubeClient {
 public:
  explicit UnconfiguredKubeClient(std::string why) : why_(std::move(why)) {}
  // why: "not configured: <reason>"
  common::Result<nlohmann::json> Get(const kube::Resource&, std::string_view,
                                     std::string_view) override {
    return Fail();
  }
  common::Result<kube::ObjectList> List(const kube::Resource&, std::string_view,
                                        const kube::ListOptions&) override {
    return Fail();
  }
  common::Result<nlohmann::json> Patch(const kube::Resource&, std::string_view, std::string_view,
                                       kube::PatchType, const nlohmann::json&) override {
    return Fail();
  }
  common::Result<kube::Scale> GetScale(const kube::Resource&, std::string_view,
                                       std::string_view) override {
    return Fail();
  }
  common::Result<kube::Scale> UpdateScale(const kube::Resource&, const kube::Scale&) override {
    return Fail();
  }
  common::Status DeletePod(std::string_view, std::string_view,
                           const kube::DeleteOptions&) override {
    return Fail();
  }
  common::Result<nlohmann::json> CreateEvent(std::string_view, const nlohmann::json&) override {
    return Fail();
  }
  common::Result<kube::Lease> GetLease(std::string_view, std::string_view) override {
    return Fail();
  }
  common::Result<kube::Lease> CreateLease(const kube::Lease&) override { return Fail(); }
  common::Result<kube::Lease> UpdateLease(const kube::Lease&) override { return Fail(); }

 private:
  // FailedPrecondition, not Unavailable: retrying cannot help until the config changes.
  common::Status Fail() const { return common::FailedPrecondition("Kubernetes API " + why_); }
  std::string why_;
};

std::string FormatTime(std::chrono::system_clock::time_point t) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(t));
}

nlohmann::json RecordJson(const HealRecord& r) {
  nlohmann::json out = {{"id", r.id},
                        {"at", FormatTime(r.at)},
                        {"kind", controller::healing::HealRecordKindName(r.kind)},
                        {"result", r.result},
                        {"alertname", r.alertname},
                        {"fingerprint", r.episode.fingerprint},
                        {"startsAt", r.episode.starts_at},
                        {"playbook", r.playbook},
                        {"target", r.target},
                        {"message", r.message}};
  if (r.step >= 0) out["step"] = r.step;
  if (!r.action.empty()) out["action"] = r.action;
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (r.duration.count() > 0) out["durationSeconds"] = r.duration.count() / 1000.0;
  return out;
}

std::string ErrorList(const std::vector<common::YamlError>& errors) {
  std::string out;
  for (const common::YamlError& e : errors) out += "\n  " + e.ToString();
  return out;
}

// Loads the playbooks and chaos experiments of `config`; InvalidArgument listing every error.
common::Result<HealingService::Loaded> LoadIndex(
    const Config& config, const controller::actions::ActionRegistry& actions) {
  controller::playbook::LoadedPlaybooks loaded =
      controller::playbook::LoadPlaybooks(config.playbooks, "", actions);
  if (!loaded.errors.empty()) {
    return common::InvalidArgument(std::to_string(loaded.errors.size()) +
                                   " error(s) in the playbooks:" + ErrorList(loaded.errors));
  }
  // Experiments are checked against the playbooks (expectHealing): a set `rebound check`
  // refuses is refused here too.
  controller::chaos::LoadedExperiments experiments = controller::chaos::LoadExperiments(loaded.set);
  if (!experiments.errors.empty()) {
    return common::InvalidArgument(
        std::to_string(experiments.errors.size()) +
        " error(s) in the chaos experiments:" + ErrorList(experiments.errors));
  }
  spdlog::info("loaded {} playbook(s) and {} chaos experiment(s) from {} file(s)",
               loaded.set.playbooks.size(), experiments.experiments.size(),
               loaded.set.files.size());
  HealingService::Loaded out;
  out.experiments = std::move(experiments.experiments);
  out.index = std::make_shared<const controller::playbook::PlaybookIndex>(loaded.set.playbooks);
  return out;
}

}  // namespace

HealingService::HealingService(const Config& config, const common::Clock& clock,
                               prometheus::Registry& registry,
                               std::function<bool(const std::string& target)> drill)
    : config_(config),
      clock_(clock),
      registry_(registry),
      kube_observer_(registry),
      metrics_(registry),
      // The HTTP server that scrapes this runs only between Start and Stop.
      target_states_(std::make_shared<exporter::TargetStateCollector>([this] {
        std::vector<exporter::TargetStateSample> samples;
        std::shared_ptr<controller::healing::Healer> healer = this->healer();
        if (!healer) return samples;
        for (const controller::healing::TargetInState& t : healer->States()) {
          samples.push_back({t.target.ns, t.target.kind, t.target.name,
                             std::string(controller::healing::TargetStateName(t.state))});
        }
        return samples;
      })),
      drill_(std::move(drill)) {
  controller::actions::RegisterBuiltinActions(actions_);
}

HealingService::~HealingService() { Stop(); }

void HealingService::BuildClients() {
  ClientDeps deps{http_, clock_, sleeper_, random_, &kube_observer_, clients_stop_.get_token()};
  kube_ = MakeKubeClient(config_, deps, &kube_state_);
  if (kube_) {
    spdlog::info("kubernetes: {}", kube_state_);
  } else {
    spdlog::warn("kubernetes: {}; healing will refuse to act until it is configured", kube_state_);
    kube_ = std::make_unique<UnconfiguredKubeClient>(kube_state_);
  }
  prometheus_ = MakePrometheus(config_, deps, &prometheus_state_);
  if (!config_.prometheus.url.empty() && !prometheus_) {
    spdlog::error("prometheus: {}", prometheus_state_);
  }
}

void HealingService::BuildNotifier() {
  const Config::Slack& slack = config_.slack;
  common::Result<std::string> url = common::NotFound("");
  if (!slack.webhook_url_file.empty()) url = common::ReadSecretFile(slack.webhook_url_file);
  if (!slack.webhook_url_env.empty()) url = common::ReadSecretEnv(slack.webhook_url_env);
  if (slack.webhook_url_file.empty() && slack.webhook_url_env.empty()) {
    slack_state_ = "not configured: notifications go to the log";
    notifier_ = std::make_unique<controller::notify::LogNotifier>();
    return;
  }
  if (!url.ok()) {
    slack_state_ = "cannot read the webhook URL: " + url.status().message();
    spdlog::error("slack: {}; notifications go to the log", slack_state_);
    notifier_ = std::make_unique<controller::notify::LogNotifier>();
    return;
  }
  controller::notify::SlackNotifierOptions options;
  options.webhook_url = *url;
  options.channel = slack.channel;
  options.dashboard_url = slack.dashboard_url;
  auto notifier = std::make_unique<controller::notify::SlackNotifier>(
      options, controller::notify::SlackNotifierDeps{http_, clock_, sleeper_, random_, registry_});
  notifier->Start();
  notifier_ = std::move(notifier);
  slack_state_ = "configured";
}

common::Status HealingService::Start(controller::intake::Journal& journal, bool acting) {
  common::Result<Loaded> index = LoadIndex(config_, actions_);
  if (!index.ok()) return index.status();
  SetLoaded(*index);

  common::Result<std::unique_ptr<controller::healing::HealLog>> log =
      controller::healing::HealLog::Open(config_.state_dir);
  if (!log.ok()) return log.status().WithContext("opening the heal log");
  log_ = std::move(*log);

  BuildClients();
  BuildNotifier();

  guardrails_ = std::make_unique<controller::healing::Guardrails>(config_.guardrails, clock_);
  // Caps, cooldowns and the breaker look back at most this far.
  auto horizon = std::max({std::chrono::milliseconds(std::chrono::hours(1)),
                           config_.guardrails.cooldown, config_.guardrails.circuit_breaker_window});
  common::Result<std::vector<HealRecord>> history = log_->Since(clock_.Now() - horizon);
  if (history.ok()) {
    guardrails_->Restore(*history, actions_);
  } else {
    spdlog::error("cannot read the heal log to restore guardrail state: {}",
                  history.status().message());
  }
  metrics_.paused.Set(guardrails_->paused() ? 1 : 0);

  deps_ = std::make_unique<controller::healing::HealingDeps>(controller::healing::HealingDeps{
      journal, *log_, *kube_, prometheus_.get(), *notifier_, http_, clock_, sleeper_, *guardrails_,
      metrics_, config_.healing.verify_interval, "", drill_});
  if (const char* pod = std::getenv("POD_NAME")) deps_->instance = pod;
  healer_options_.max_concurrent = config_.healing.max_concurrent;
  healer_options_.anomaly_step = config_.anomaly.step;
  healer_options_.anomaly_on_missing_data = config_.anomaly.on_missing_data;
  if (acting) {
    std::lock_guard lock(healer_mu_);
    healer_ = std::make_shared<controller::healing::Healer>(*deps_, index->index, healer_options_);
  }
  if (guardrails_->paused()) spdlog::warn("healing starts paused (guardrails.paused)");
  return common::Status::Ok();
}

std::shared_ptr<controller::healing::Healer> HealingService::healer() const {
  std::lock_guard lock(healer_mu_);
  return healer_;
}

bool HealingService::Submit(const std::vector<controller::intake::Episode>& episodes,
                            std::stop_token stop) {
  std::shared_ptr<controller::healing::Healer> healer = this->healer();
  if (!healer) {
    spdlog::info("heal: not the leader; {} episode(s) stay pending until this replica leads",
                 episodes.size());
    return true;
  }
  return healer->Submit(episodes, stop);
}

void HealingService::Lead() {
  std::shared_ptr<controller::healing::Healer> healer;
  {
    std::lock_guard lock(healer_mu_);
    if (healer_ || !deps_) return;
    healer_ =
        std::make_shared<controller::healing::Healer>(*deps_, loaded().index, healer_options_);
    healer = healer_;
  }
  resumer_ = std::jthread([this, healer](std::stop_token stop) { Resume(*healer, stop); });
}

void HealingService::Resume(controller::healing::Healer& healer, std::stop_token stop) {
  using controller::intake::Episode;
  using controller::intake::EpisodeState;
  controller::intake::Journal& journal = deps_->journal;
  // Submit blocks while the healer's waiting room is full: a page is read when there is room.
  common::Result<size_t> resumed = journal.ForEachUnfinished(256, [&](std::vector<Episode>& page) {
    if (stop.stop_requested()) return false;
    // As the worker records what it takes up: pending before it is handed over.
    std::vector<controller::intake::EpisodeKey> received;
    for (const Episode& episode : page) {
      if (episode.state == EpisodeState::kReceived) received.push_back(episode.key);
    }
    std::vector<common::Status> set = received.empty()
                                          ? std::vector<common::Status>()
                                          : journal.SetStates(received, EpisodeState::kPending);
    std::vector<Episode> pending;
    size_t next_received = 0;
    for (Episode& episode : page) {
      if (episode.state == EpisodeState::kReceived && !set[next_received++].ok()) continue;
      pending.push_back(std::move(episode));
    }
    return healer.Submit(pending, stop);
  });
  if (!resumed.ok()) {
    spdlog::error("heal: cannot read the pending episodes to resume: {}",
                  resumed.status().message());
  } else if (*resumed > 0) {
    spdlog::info("heal: resumed {} unfinished episode(s) from the journal", *resumed);
  }
}

void HealingService::StandBy() { StopHealer(/*and_clients=*/false); }

void HealingService::StopHealer(bool and_clients) {
  resumer_.request_stop();
  std::shared_ptr<controller::healing::Healer> healer;
  {
    std::lock_guard lock(healer_mu_);
    healer.swap(healer_);
  }
  // Remediations learn that they are stopping before their API calls in a retry wait fail
  // (Cancelled): an interrupted step is not mistaken for a failed one.
  if (healer) healer->RequestStop();
  if (and_clients) clients_stop_.request_stop();
  if (resumer_.joinable()) resumer_.join();
  if (healer) healer->Stop();
}

common::Status HealingService::Reload(const Config& next) {
  if (guardrails_) {
    guardrails_->Reconfigure(next.guardrails);
    metrics_.paused.Set(guardrails_->paused() ? 1 : 0);
  }
  config_.guardrails = next.guardrails;
  common::Result<Loaded> index = LoadIndex(next, actions_);
  if (!index.ok()) return index.status();
  SetLoaded(*index);
  {
    std::lock_guard lock(healer_mu_);
    if (healer_) healer_->SetPlaybooks(index->index);
  }
  config_.playbooks = next.playbooks;
  return common::Status::Ok();
}

void HealingService::SetLoaded(Loaded loaded) {
  std::lock_guard lock(loaded_mu_);
  loaded_ = std::move(loaded);
}

HealingService::Loaded HealingService::loaded() const {
  std::lock_guard lock(loaded_mu_);
  return loaded_;
}

size_t HealingService::PlaybookCount() const {
  std::lock_guard lock(loaded_mu_);
  return loaded_.index ? loaded_.index->playbooks().size() : 0;
}

bool HealingService::paused() const { return guardrails_ && guardrails_->paused(); }

bool HealingService::RemediationActiveOn(const std::string& target) const {
  std::shared_ptr<controller::healing::Healer> healer = this->healer();
  if (!healer) return false;
  for (const auto& remediation : healer->Active()) {
    if (remediation.target == target) return true;
  }
  return false;
}

void HealingService::ApplyRetention(std::chrono::milliseconds retention) {
  if (!log_) return;
  common::Result<size_t> deleted = log_->DeleteBefore(clock_.Now() - retention);
  if (!deleted.ok()) {
    spdlog::error("heal log retention failed: {}", deleted.status().message());
  } else if (*deleted > 0) {
    spdlog::info("heal log retention removed {} record(s)", *deleted);
  }
}

void HealingService::Stop() {
  StopHealer(/*and_clients=*/true);
  // The notifier drains what the remediations said last.
  notifier_.reset();
}

HttpResponse HealingService::HandleActions(const HttpRequest& request) const {
  size_t limit = 100;
  if (std::optional<std::string> text = request.QueryParam("limit")) {
    char* end = nullptr;
    long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 1 || value > 10000) {
      return HttpResponse::Error(400,
                                 "limit must be an integer from 1 to 10000, got \"" + *text + "\"");
    }
    limit = static_cast<size_t>(value);
  }
  std::string playbook = request.QueryParam("playbook").value_or("");
  if (!log_) return HttpResponse::Error(503, "healing is not running");
  auto read = [log = log_.get(), playbook](size_t rows, const HealRecord* after, size_t max_bytes) {
    return log->RecentPage(rows, playbook, after, max_bytes);
  };
  common::JsonStreamOptions options;
  options.limit = limit;
  return common::StreamJsonData(common::PagesAfter<HealRecord>(read, RecordJson), options);
}

nlohmann::json HealingService::Dependencies() const {
  return {{"kubernetes", kube_state_}, {"prometheus", prometheus_state_}, {"slack", slack_state_}};
}

HttpResponse HealingService::HandleStatus(const HttpRequest&, const nlohmann::json& leader) const {
  nlohmann::json active = nlohmann::json::array();
  size_t queued = 0;
  if (std::shared_ptr<controller::healing::Healer> healer = this->healer()) {
    for (const auto& r : healer->Active()) {
      active.push_back({{"id", r.id},
                        {"playbook", r.playbook},
                        {"target", r.target},
                        {"step", r.step},
                        {"phase", r.phase},
                        {"startedAt", FormatTime(r.started_at)},
                        {"episodes", r.episodes}});
    }
    queued = healer->queued();
  }
  controller::healing::GuardrailConfig guard =
      guardrails_ ? guardrails_->config() : config_.guardrails;
  nlohmann::json data = {{"paused", guardrails_ && guardrails_->paused()},
                         {"dryRun", guard.dry_run},
                         {"playbooks", PlaybookCount()},
                         {"remediations", active},
                         {"queued", queued},
                         {"dependencies", Dependencies()},
                         {"leader", leader},
                         {"guardrails",
                          {{"maxActionsPerHour", guard.max_actions_per_hour},
                           {"cooldown", common::FormatDuration(guard.cooldown)},
                           {"protectedNamespaces", guard.protected_namespaces}}}};
  return HttpResponse::Json(200, {{"status", "success"}, {"data", data}});
}

HttpResponse HealingService::SetPaused(bool paused, const std::string& who) {
  if (!guardrails_) return HttpResponse::Error(503, "healing is not running");
  guardrails_->SetPaused(paused);
  metrics_.paused.Set(paused ? 1 : 0);
  spdlog::warn("kill switch {} by {}: {}", paused ? "ON" : "off", who,
               paused ? "no action will run until POST /api/v1/resume" : "healing may act again");
  return HttpResponse::Json(200, {{"status", "success"}, {"data", {{"paused", paused}}}});
}

}  // namespace rebound::app
