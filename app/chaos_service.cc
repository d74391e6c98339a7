#include "app/chaos_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "common/duration.h"
#include "common/time_format.h"
#include "kube/event.h"
#include "kube/object.h"
#include "kube/resource.h"

namespace rebound::app {
namespace {

using common::HttpRequest;
using common::HttpResponse;
using controller::chaos::ChaosRun;
using controller::chaos::RunPhase;
using controller::chaos::RunResult;
using nlohmann::json;

// The loop plans again at least this often, so that a clock step or a lost wake-up costs no
// more than this.
constexpr auto kMaxSleep = std::chrono::seconds(30);
// Runs per experiment and overall that GET /api/v1/chaos lists.
constexpr size_t kRecentRuns = 20;

constexpr std::string_view kResults[] = {"recovered", "failed", "skipped", "aborted"};

std::string FormatTime(std::chrono::system_clock::time_point t) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(t));
}

json TimeOrNull(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? json(FormatTime(*t)) : json(nullptr);
}

double Seconds(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }

const kube::Resource& ResourceOf(controller::chaos::TargetKind kind) {
  switch (kind) {
    case controller::chaos::TargetKind::kDeployment:
      return kube::kDeployments;
    case controller::chaos::TargetKind::kStatefulSet:
      return kube::kStatefulSets;
    case controller::chaos::TargetKind::kNode:
      return kube::kNodes;
  }
  return kube::kDeployments;
}

// "recovered in 12.5s", "failed: not recovered within 5m", ...
std::string Outcome(const ChaosRun& run) {
  std::string out(run.result ? RunResultName(*run.result) : "unfinished");
  if (std::optional<std::chrono::milliseconds> took = run.recovery_time();
      took && run.result == RunResult::kRecovered) {
    out += fmt::format(" in {:.1f}s", Seconds(*took));
  }
  if (!run.reason.empty()) out += ": " + run.reason;
  return out;
}

// The path segment after `prefix` up to `suffix` (which must end the path), or "" when the
// path does not have that shape.
std::string Segment(std::string_view path, std::string_view prefix, std::string_view suffix) {
  if (!path.starts_with(prefix) || !path.ends_with(suffix)) return "";
  if (path.size() < prefix.size() + suffix.size()) return "";
  std::string_view middle = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return middle.find('/') == std::string_view::npos ? std::string(middle) : "";
}

}  // namespace

// The engine's observer: metrics, Kubernetes Events and the Slack summary.
class ChaosService::Observer final : public controller::chaos::RunObserver {
 public:
  explicit Observer(ChaosService& service) : service_(service) {}

  void OnPhase(const ChaosRun& run) override {
    service_.metrics_.SetActive(run.experiment, true);
    if (run.phase == RunPhase::kWatch && run.injected_at && !run.dry_run && run.fault) {
      WriteEvent(run, "Normal",
                 fmt::format("chaos experiment {} injected {}", run.experiment,
                             FaultTypeName(run.fault->type)));
    }
  }

  void OnFinished(const ChaosRun& run) override {
    const RunResult result = run.result.value_or(RunResult::kAborted);
    const std::chrono::system_clock::time_point now = service_.clock_.Now();
    std::optional<std::chrono::nanoseconds> recovery;
    if (result == RunResult::kRecovered) recovery = run.recovery_time();
    service_.metrics_.RunEnded(run.experiment, RunResultName(result), now, recovery);
    service_.metrics_.SetActive(run.experiment, false);
    if (run.restore_owed) service_.metrics_.RestoreOwed(run.experiment, true);
    if (result == RunResult::kRecovered && run.expect_healing) {
      service_.metrics_.PlaybookProven(*run.expect_healing, run.recovered_at.value_or(now));
    }
    spdlog::info("chaos run {} of {}: {}", run.id, run.experiment, Outcome(run));
    if (!run.target.empty() && run.injected_at) {
      WriteEvent(
          run, result == RunResult::kRecovered ? "Normal" : "Warning",
          fmt::format("chaos experiment {} run {} {}", run.experiment, run.id, Outcome(run)));
    }
    Summarize(run, result);
    service_.Wake();
  }

  // The restore a finished run owed is settled: the metric, an Event on the target and a
  // Slack line in the run's thread say the damage is gone.
  void OnRestored(const ChaosRun& run) override {
    service_.metrics_.RestoreOwed(run.experiment, false);
    const std::string done = run.steps.empty() ? "" : run.steps.back().message;
    const std::string what =
        run.restored_by_chaos
            ? fmt::format("restored after {} attempts", run.restore_attempts)
            : fmt::format("no restore owed any more after {} attempts", run.restore_attempts);
    spdlog::info("chaos run {} of {}: {} ({})", run.id, run.experiment, what, done);
    if (!run.target.empty()) {
      WriteEvent(
          run, "Normal",
          fmt::format("chaos experiment {} run {} {}: {}", run.experiment, run.id, what, done));
    }
    controller::notify::Notification n;
    n.kind = controller::notify::Notification::Kind::kInfo;
    n.thread_key = "chaos " + run.experiment;
    n.title = fmt::format("Chaos run {} of {}: {}", run.id, run.experiment, what);
    n.text = done;
    n.success = true;
    n.drill = true;
    if (!run.target.empty()) n.fields.emplace_back("Target", run.target.ToString());
    service_.healing_->notifier().Notify(std::move(n));
  }

 private:
  void WriteEvent(const ChaosRun& run, const std::string& type, const std::string& message) {
    kube::KubeClient& kube = service_.healing_->kube();
    common::Result<json> object =
        kube.Get(ResourceOf(run.target.kind), run.target.ns, run.target.name);
    if (!object.ok()) {
      spdlog::warn("chaos run {}: cannot read {} for its Event: {}", run.id, run.target.ToString(),
                   object.status().message());
      return;
    }
    kube::EventInfo info;
    info.type = type;
    info.reason = "ReboundChaos";
    info.message = message;
    info.instance = service_.healing_->instance();
    json event =
        kube::NewEvent(*object, info, common::Timestamp::FromTimePoint(service_.clock_.Now()));
    if (common::Result<json> created = kube.CreateEvent(kube::ObjectNamespace(event), event);
        !created.ok()) {
      spdlog::warn("chaos run {}: cannot write the Kubernetes Event on {}: {}", run.id,
                   run.target.ToString(), created.status().message());
    }
  }

  void Summarize(const ChaosRun& run, RunResult result) {
    controller::notify::Notification n;
    n.kind = controller::notify::Notification::Kind::kInfo;
    n.thread_key = "chaos " + run.experiment;
    n.title = fmt::format("Chaos run {} of {}: {}", run.id, run.experiment, RunResultName(result));
    n.text = Outcome(run);
    n.success = result == RunResult::kRecovered || result == RunResult::kSkipped;
    n.drill = true;
    n.dry_run = run.dry_run;
    n.fields.emplace_back("Experiment", run.experiment);
    n.fields.emplace_back("Trigger", std::string(RunTriggerName(run.trigger)));
    if (!run.target.empty()) n.fields.emplace_back("Target", run.target.ToString());
    if (run.fault) n.fields.emplace_back("Fault", std::string(FaultTypeName(run.fault->type)));
    if (run.expect_healing) n.fields.emplace_back("Playbook", *run.expect_healing);
    if (std::optional<std::chrono::milliseconds> took = run.recovery_time()) {
      n.fields.emplace_back("Time to recovery", fmt::format("{:.1f}s", Seconds(*took)));
      if (result == RunResult::kRecovered) n.time_to_heal = *took;
    }
    if (run.restored_by_chaos) n.fields.emplace_back("Restored", "chaos undid its own fault");
    if (run.restore_owed) {
      n.fields.emplace_back("Restore owed", "the API refused chaos's undo of its fault: retrying");
    }
    service_.healing_->notifier().Notify(std::move(n));
  }

  ChaosService& service_;
};

ChaosService::ChaosService(const Config& config, const common::Clock& clock,
                           prometheus::Registry& registry, std::function<bool()> is_leader)
    : config_(config),
      clock_(clock),
      is_leader_(std::move(is_leader)),
      metrics_(registry),
      observer_(std::make_unique<Observer>(*this)) {}

ChaosService::~ChaosService() { Stop(); }

void ChaosService::AddExperimentSeries(
    const std::vector<std::shared_ptr<const controller::chaos::Experiment>>& experiments) {
  for (const auto& experiment : experiments) metrics_.AddExperiment(experiment->name, kResults);
}

common::Status ChaosService::Start(HealingService& healing) {
  healing_ = &healing;
  common::Result<std::unique_ptr<controller::chaos::RunLog>> log =
      controller::chaos::RunLog::Open(config_.state_dir);
  if (!log.ok()) return log.status().WithContext("opening the chaos run log");
  log_ = std::move(*log);
  if (!config_.alertmanager.url.empty()) {
    alerts_ = std::make_unique<controller::chaos::AlertmanagerAlerts>(
        healing.http(), config_.alertmanager.url, config_.alertmanager.timeout);
  }
  controller::chaos::RunnerDeps deps{
      clock_,
      sleeper_,
      random_,
      healing.kube(),
      healing.prometheus(),
      alerts_.get(),
      *log_,
      healing.heal_log(),
      *observer_,
      [&healing] { return healing.paused(); },
      is_leader_,
      [&healing](const std::string& target) { return healing.RemediationActiveOn(target); }};
  controller::chaos::ChaosEngine::Options options;
  options.max_concurrent = config_.chaos.max_concurrent;
  options.runner.protected_namespaces = config_.guardrails.protected_namespaces;
  options.runner.poll_interval = config_.chaos.poll_interval;
  options.runner.settle = config_.chaos.settle;
  std::vector<std::shared_ptr<const controller::chaos::Experiment>> experiments =
      healing.loaded().experiments;
  AddExperimentSeries(experiments);
  // Before the engine starts: its start-up retries report the restores they settle.
  common::Result<std::vector<ChaosRun>> owed = log_->RestoreOwed();
  if (!owed.ok()) return owed.status().WithContext("reading the chaos run log");
  for (const ChaosRun& run : *owed) metrics_.RestoreOwed(run.experiment, true);
  auto engine = std::make_unique<controller::chaos::ChaosEngine>(deps, options, experiments);
  if (common::Status started = engine->Start(); !started.ok()) {
    return started.WithContext("starting chaos");
  }
  common::Result<std::map<std::string, controller::chaos::Proof>> proofs = log_->LastProofs();
  if (proofs.ok()) {
    for (const auto& [playbook, proof] : *proofs) metrics_.PlaybookProven(playbook, proof.at);
  } else {
    spdlog::error("chaos: cannot read when playbooks were last proven: {}",
                  proofs.status().message());
  }
  engine_ = std::move(engine);
  loop_ = std::thread([this] { Loop(); });
  spdlog::info("chaos: {} experiment(s), at most {} run(s) at once", experiments.size(),
               config_.chaos.max_concurrent);
  return common::Status::Ok();
}

void ChaosService::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    controller::chaos::SchedulePlan plan = engine_->Tick();
    lock.lock();
    auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(kMaxSleep);
    if (plan.wake_at) {
      auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(*plan.wake_at - clock_.Now());
      sleep = std::clamp(until, std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(kMaxSleep));
    }
    wake_.wait_for(lock, sleep, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void ChaosService::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void ChaosService::Reload() {
  if (!engine_) return;
  std::vector<std::shared_ptr<const controller::chaos::Experiment>> experiments =
      healing_->loaded().experiments;
  AddExperimentSeries(experiments);
  engine_->SetExperiments(std::move(experiments));
  Wake();
}

void ChaosService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (engine_) engine_->Stop();
}

bool ChaosService::RunActiveOn(const std::string& target) const {
  return engine_ && engine_->RunActiveOn(target);
}

HttpResponse ChaosService::HandleList(const HttpRequest&) const {
  if (!engine_) return HttpResponse::Error(503, "chaos is not running");
  controller::chaos::SchedulePlan plan = engine_->Preview();
  std::vector<std::shared_ptr<const controller::chaos::Experiment>> experiments =
      engine_->experiments();
  json list = json::array();
  for (const controller::chaos::ExperimentPlan& entry : plan.experiments) {
    json item = {{"name", entry.name},
                 {"state", ScheduleStateName(entry.state)},
                 {"next", TimeOrNull(entry.next)},
                 {"lastRun", nullptr}};
    auto it = std::find_if(experiments.begin(), experiments.end(),
                           [&](const auto& e) { return e->name == entry.name; });
    if (it != experiments.end()) {
      const controller::chaos::Experiment& e = **it;
      item["target"] = {{"kind", TargetKindName(e.target.kind)},
                        {"namespace", e.target.ns},
                        {"name", e.target.name},
                        {"selector", e.target.selector}};
      item["fault"] = FaultTypeName(e.fault.type);
      item["recoverWithinSeconds"] = Seconds(e.recover_within);
      item["expectHealing"] = e.expect_healing ? json(*e.expect_healing) : json(nullptr);
    }
    if (auto last = log_->Recent(1, entry.name); last.ok() && !last->empty()) {
      item["lastRun"] = controller::chaos::RunToJson(last->front());
    }
    list.push_back(std::move(item));
  }
  json active = json::array();
  for (const ChaosRun& run : engine_->Active()) active.push_back(controller::chaos::RunToJson(run));
  json recent = json::array();
  common::Result<std::vector<ChaosRun>> runs = log_->Recent(kRecentRuns, "");
  if (!runs.ok()) return HttpResponse::Error(503, runs.status().message());
  for (const ChaosRun& run : *runs) recent.push_back(controller::chaos::RunToJson(run));
  return HttpResponse::Json(
      200, {{"status", "success"},
            {"data", {{"experiments", list}, {"active", active}, {"runs", recent}}}});
}

HttpResponse ChaosService::HandleRun(const HttpRequest& request) const {
  if (!log_) return HttpResponse::Error(503, "chaos is not running");
  std::string text = Segment(request.path, "/api/v1/chaos/runs/", "");
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || id <= 0) {
    return HttpResponse::Error(404, "no such chaos run: \"" + text + "\"");
  }
  common::Result<ChaosRun> run = log_->Get(id);
  if (!run.ok()) {
    return HttpResponse::Error(run.status().code() == common::StatusCode::kNotFound ? 404 : 503,
                               run.status().message());
  }
  return HttpResponse::Json(200,
                            {{"status", "success"}, {"data", controller::chaos::RunToJson(*run)}});
}

HttpResponse ChaosService::HandleTrigger(const HttpRequest& request) {
  if (!engine_) return HttpResponse::Error(503, "chaos is not running");
  std::string name = Segment(request.path, "/api/v1/chaos/experiments/", "/run");
  if (name.empty()) return HttpResponse::Error(404, "not found: " + request.path);
  controller::chaos::TriggerResult result = engine_->Trigger(name);
  spdlog::info("chaos: run of {} asked for by {}: {}", name, request.remote_addr,
               TriggerOutcomeName(result.outcome));
  using controller::chaos::TriggerOutcome;
  switch (result.outcome) {
    case TriggerOutcome::kStarted: {
      Wake();
      const std::string location = "/api/v1/chaos/runs/" + std::to_string(result.run_id);
      HttpResponse response = HttpResponse::Json(
          202, {{"status", "success"}, {"data", {{"id", result.run_id}, {"location", location}}}});
      response.headers.emplace_back("Location", location);
      return response;
    }
    case TriggerOutcome::kUnknownExperiment:
      return HttpResponse::Error(404, result.message);
    case TriggerOutcome::kAlreadyRunning: {
      HttpResponse response = HttpResponse::Error(409, result.message);
      response.headers.emplace_back("Location",
                                    "/api/v1/chaos/runs/" + std::to_string(result.run_id));
      return response;
    }
    case TriggerOutcome::kPaused:
      return HttpResponse::Error(423, result.message);
    case TriggerOutcome::kUnavailable:
      break;
  }
  return HttpResponse::Error(503, result.message);
}

HttpResponse ChaosService::HandleCoverage(const HttpRequest&) const {
  if (!log_ || !healing_) return HttpResponse::Error(503, "chaos is not running");
  common::Result<std::map<std::string, controller::chaos::Proof>> proofs = log_->LastProofs();
  if (!proofs.ok()) return HttpResponse::Error(503, proofs.status().message());
  HealingService::Loaded loaded = healing_->loaded();
  json playbooks = json::array();
  if (loaded.index) {
    for (const auto& playbook : loaded.index->playbooks()) {
      json experiments = json::array();
      for (const auto& e : loaded.experiments) {
        if (e->expect_healing == playbook->name) experiments.push_back(e->name);
      }
      auto proof = proofs->find(playbook->name);
      const bool proven = proof != proofs->end();
      playbooks.push_back(
          {{"playbook", playbook->name},
           {"last_proven", proven ? json(FormatTime(proof->second.at)) : json(nullptr)},
           {"last_recovery_seconds",
            proven ? json(Seconds(proof->second.recovery)) : json(nullptr)},
           {"experiments", experiments}});
    }
  }
  return HttpResponse::Json(200, {{"playbooks", playbooks}});
}

}  // namespace rebound::app
