#include "controller/chaos/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <utility>

namespace rebound::controller::chaos {

std::string_view TriggerOutcomeName(TriggerOutcome outcome) {
  static constexpr std::array<std::pair<TriggerOutcome, std::string_view>, 5> kNames{{
      {TriggerOutcome::kStarted, "started"},
      {TriggerOutcome::kUnknownExperiment, "unknown_experiment"},
      {TriggerOutcome::kAlreadyRunning, "already_running"},
      {TriggerOutcome::kPaused, "paused"},
      {TriggerOutcome::kUnavailable, "unavailable"},
  }};
  for (const auto& [value, name] : kNames) {
    if (value == outcome) return name;
  }
  return "unknown";
}

// Keeps the engine's view of its runs current, then tells the daemon.
class ChaosEngine::Observer final : public RunObserver {
 public:
  Observer(ChaosEngine& engine, RunObserver& daemon) : engine_(engine), daemon_(daemon) {}
  void OnPhase(const ChaosRun& run) override {
    engine_.Updated(run);
    daemon_.OnPhase(run);
  }
  void OnFinished(const ChaosRun& run) override {
    engine_.Finished(run);
    daemon_.OnFinished(run);
  }
  void OnRestored(const ChaosRun& run) override { daemon_.OnRestored(run); }

 private:
  ChaosEngine& engine_;
  RunObserver& daemon_;
};

ChaosEngine::ChaosEngine(RunnerDeps deps, Options options,
                         std::vector<std::shared_ptr<const Experiment>> experiments)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      observer_(std::make_unique<Observer>(*this, deps_.observer)),
      random_(deps_.random),
      experiments_(std::move(experiments)) {
  RunnerDeps runner_deps{deps_.clock,  deps_.sleeper,    deps_.random,
                         deps_.kube,   deps_.prometheus, deps_.alerts,
                         deps_.log,    deps_.heal_log,   *observer_,
                         deps_.paused, deps_.is_leader,  deps_.remediation_active};
  runner_ = std::make_unique<Runner>(std::move(runner_deps), options_.runner);
  std::function<bool()> is_leader = deps_.is_leader;
  if (!is_leader) is_leader = [] { return true; };
  scheduler_ = std::make_unique<Scheduler>(
      deps_.clock, random_, Scheduler::Options{.max_concurrent = options_.max_concurrent},
      std::move(is_leader));
}

ChaosEngine::~ChaosEngine() { Stop(); }

common::Status ChaosEngine::Start() {
  common::Result<size_t> closed = runner_->CloseUnfinished();
  if (!closed.ok()) return closed.status();
  if (*closed > 0)
    spdlog::warn("chaos: closed {} run(s) a previous process left unfinished", *closed);
  common::Result<size_t> owed = runner_->RetryRestores();
  if (!owed.ok()) return owed.status();
  if (*owed > 0) spdlog::warn("chaos: {} run(s) still owe the restore of their fault", *owed);
  auto starts = deps_.log.LastStarts();
  if (!starts.ok()) return starts.status();
  std::lock_guard lock(mu_);
  last_started_ = std::move(*starts);
  restores_owed_ = restores_owed_ || *owed > 0;
  if (!restorer_.joinable() && !stopped_) {
    restorer_ = std::jthread([this](std::stop_token stop) { RestoreLoop(std::move(stop)); });
  }
  return common::Status::Ok();
}

void ChaosEngine::RestoreLoop(std::stop_token stop) {
  std::chrono::milliseconds delay = options_.restore_retry_initial;
  for (;;) {
    uint64_t notices = 0;
    {
      std::unique_lock lock(mu_);
      if (!restore_wake_.wait(lock, stop, [&] { return restores_owed_; })) return;  // stopping
      notices = owed_notices_;
    }
    if (!deps_.sleeper.SleepFor(delay, stop)) return;
    common::Result<size_t> owed = runner_->RetryRestores(stop);
    if (!owed.ok()) spdlog::warn("chaos: cannot retry owed restores: {}", owed.status().ToString());
    std::lock_guard lock(mu_);
    if (owed.ok() && *owed == 0) {
      // Done, unless a run finished owing one since the log was read.
      restores_owed_ = notices != owed_notices_;
      delay = options_.restore_retry_initial;
    } else {
      delay = std::min(delay * 2, options_.restore_retry_max);
    }
  }
}

void ChaosEngine::SetExperiments(std::vector<std::shared_ptr<const Experiment>> experiments) {
  std::lock_guard lock(mu_);
  experiments_ = std::move(experiments);
}

std::vector<std::shared_ptr<const Experiment>> ChaosEngine::experiments() const {
  std::lock_guard lock(mu_);
  return experiments_;
}

std::map<std::string, RunState> ChaosEngine::RunStatesLocked() const {
  std::map<std::string, RunState> states;
  for (const auto& [name, at] : last_started_) states[name].last_started = at;
  for (const auto& [id, running] : running_) states[running.run.experiment].running = true;
  return states;
}

SchedulePlan ChaosEngine::Tick() {
  std::vector<std::jthread> ended;
  std::lock_guard lock(mu_);
  ended = TakeFinishedLocked();  // joined once the lock is released (declared before it)
  SchedulePlan plan = scheduler_->Plan(experiments_, RunStatesLocked());
  if (stopped_) return plan;
  for (const DueRun& due : plan.start) {
    ChaosRun run;
    run.experiment = due.experiment->name;
    run.trigger = RunTrigger::kScheduled;
    run.slot = due.slot;
    run.started_at = deps_.clock.Now();
    common::Result<int64_t> id = StartLocked(std::move(run), due.experiment);
    if (!id.ok()) {
      spdlog::error("chaos: cannot start a run of {}: {}", due.experiment->name,
                    id.status().ToString());
    }
  }
  return plan;
}

SchedulePlan ChaosEngine::Preview() {
  std::lock_guard lock(mu_);
  return scheduler_->Plan(experiments_, RunStatesLocked());
}

TriggerResult ChaosEngine::Trigger(std::string_view name) {
  std::vector<std::jthread> ended;
  std::lock_guard lock(mu_);
  ended = TakeFinishedLocked();  // joined once the lock is released (declared before it)
  if (stopped_) return {TriggerOutcome::kUnavailable, 0, "chaos is stopping"};
  auto experiment = std::find_if(experiments_.begin(), experiments_.end(),
                                 [&](const auto& e) { return e->name == name; });
  if (experiment == experiments_.end()) {
    return {TriggerOutcome::kUnknownExperiment, 0,
            "no chaos experiment named \"" + std::string(name) + "\""};
  }
  for (const auto& [id, running] : running_) {
    if (running.run.experiment == name) {
      return {TriggerOutcome::kAlreadyRunning, id,
              "run " + std::to_string(id) + " of " + std::string(name) + " is in progress"};
    }
  }
  if (deps_.paused && deps_.paused()) {
    return {TriggerOutcome::kPaused, 0, "the kill switch is on: no chaos runs"};
  }
  ChaosRun run;
  run.experiment = std::string(name);
  run.trigger = RunTrigger::kManual;
  run.started_at = deps_.clock.Now();
  common::Result<int64_t> id = StartLocked(std::move(run), *experiment);
  if (!id.ok()) return {TriggerOutcome::kUnavailable, 0, id.status().message()};
  return {TriggerOutcome::kStarted, *id, "run " + std::to_string(*id) + " started"};
}

common::Result<int64_t> ChaosEngine::StartLocked(ChaosRun run,
                                                 std::shared_ptr<const Experiment> experiment) {
  last_started_[run.experiment] = run.started_at;  // even unrecorded: plan it once, not again
  const bool full = static_cast<int>(running_.size()) >= options_.max_concurrent;
  if (full) {
    // Only a manual run gets here (the scheduler keeps to the limit): recorded as skipped.
    run.Step(run.started_at, RunPhase::kDone,
             "skipped: " + std::to_string(running_.size()) +
                 " run(s) active, chaos.max_concurrent is " +
                 std::to_string(options_.max_concurrent));
    run.result = RunResult::kSkipped;
    run.reason = "chaos.max_concurrent runs are active";
  }
  common::Result<int64_t> id = deps_.log.Begin(run);
  if (!id.ok()) return id.status();
  run.id = *id;
  if (full) {
    deps_.observer.OnFinished(run);
    return *id;
  }
  Running& entry = running_[*id];
  entry.run = run;
  entry.thread = std::jthread([this, run, experiment](std::stop_token stop) {
    runner_->Execute(run, *experiment, std::move(stop));
  });
  return *id;
}

void ChaosEngine::Updated(const ChaosRun& run) {
  std::lock_guard lock(mu_);
  if (auto it = running_.find(run.id); it != running_.end()) it->second.run = run;
}

void ChaosEngine::Finished(const ChaosRun& run) {
  std::lock_guard lock(mu_);
  if (run.restore_owed) {
    restores_owed_ = true;
    ++owed_notices_;
    restore_wake_.notify_all();
  }
  auto it = running_.find(run.id);
  if (it == running_.end()) return;  // a run closed at start-up, or a skipped manual one
  finished_.push_back(std::move(it->second.thread));  // joined later: this is its thread
  running_.erase(it);
  idle_.notify_all();
}

std::vector<std::jthread> ChaosEngine::TakeFinishedLocked() {
  // A run's own thread (an observer that calls Tick or Trigger from OnFinished) reaps nothing:
  // it cannot join itself, and two ending runs joining each other would wait forever.
  const std::thread::id caller = std::this_thread::get_id();
  auto is_caller = [&](const std::jthread& thread) { return thread.get_id() == caller; };
  if (std::any_of(finished_.begin(), finished_.end(), is_caller) ||
      std::any_of(running_.begin(), running_.end(),
                  [&](const auto& entry) { return is_caller(entry.second.thread); })) {
    return {};
  }
  return std::exchange(finished_, {});
}

void ChaosEngine::Join(std::vector<std::jthread> ended) {
  for (std::jthread& thread : ended) thread.join();
}

std::vector<ChaosRun> ChaosEngine::Active() const {
  std::lock_guard lock(mu_);
  std::vector<ChaosRun> runs;
  for (const auto& [id, running] : running_) runs.push_back(running.run);
  return runs;
}

bool ChaosEngine::RunActiveOn(std::string_view target) const {
  std::lock_guard lock(mu_);
  return std::any_of(running_.begin(), running_.end(), [&](const auto& entry) {
    const RunTarget& t = entry.second.run.target;
    return !t.empty() && t.ToString() == target;
  });
}

void ChaosEngine::WaitIdle() const {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return running_.empty(); });
}

void ChaosEngine::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [id, running] : running_) {
      running.thread.request_stop();
    }
  }
  // Each run restores its fault and reports its end, which moves its thread to finished_.
  WaitIdle();
  if (restorer_.joinable()) {
    restorer_.request_stop();
    restorer_.join();
  }
  std::vector<std::jthread> ended;
  {
    std::lock_guard lock(mu_);
    ended = TakeFinishedLocked();
  }
  Join(std::move(ended));
}

}  // namespace rebound::controller::chaos
