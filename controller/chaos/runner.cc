#include "controller/chaos/runner.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <utility>

#include "common/duration.h"
#include "controller/chaos/run_execution.h"

namespace rebound::controller::chaos {

Runner::Runner(RunnerDeps deps, Options options)
    : deps_(std::move(deps)), options_(std::move(options)) {}

ChaosRun Runner::Execute(ChaosRun run, const Experiment& experiment, std::stop_token stop) {
  return Run(deps_, options_, std::move(run), &experiment, std::move(stop)).Execute();
}

common::Result<size_t> Runner::CloseUnfinished() {
  common::Result<std::vector<ChaosRun>> runs = deps_.log.Unfinished();
  if (!runs.ok()) return runs.status();
  for (ChaosRun& run : *runs) {
    Run(deps_, options_, std::move(run), nullptr, {}).CloseInterrupted();
  }
  return runs->size();
}

common::Result<size_t> Runner::RetryRestores(std::stop_token stop) {
  common::Result<std::vector<ChaosRun>> runs = deps_.log.RestoreOwed();
  if (!runs.ok()) return runs.status();
  size_t owed = 0;
  for (ChaosRun& run : *runs) {
    if (stop.stop_requested() ||
        Run(deps_, options_, std::move(run), nullptr, stop).RetryRestore()) {
      ++owed;
    }
  }
  return owed;
}

Runner::Run::Run(const RunnerDeps& deps, const Options& options, ChaosRun run,
                 const Experiment* experiment, std::stop_token stop)
    : deps_(deps),
      options_(options),
      run_(std::move(run)),
      experiment_(experiment),
      stop_(std::move(stop)) {}

bool Runner::Run::Record(RunPhase phase, std::string message) {
  const bool entered = phase != run_.phase;
  spdlog::info("chaos run {} ({}): {}: {}", run_.id, run_.experiment, RunPhaseName(phase), message);
  run_.Step(Now(), phase, std::move(message));
  const bool saved = Save();
  if (entered && phase != RunPhase::kDone) deps_.observer.OnPhase(run_);
  return saved;
}

bool Runner::Run::Save() {
  common::Status saved = deps_.log.Update(run_);
  // Callers go on unless they say otherwise: stopping now could leave the fault in place.
  if (!saved.ok())
    spdlog::error("chaos run {}: cannot write the run log: {}", run_.id, saved.ToString());
  return saved.ok();
}

ChaosRun Runner::Run::Finish(RunResult result, std::string reason) {
  run_.result = result;
  run_.reason = std::move(reason);
  std::string message(RunResultName(result));
  if (!run_.reason.empty()) message += ": " + run_.reason;
  Record(RunPhase::kDone, std::move(message));
  deps_.observer.OnFinished(run_);
  return run_;
}

ChaosRun Runner::Run::Execute() {
  // One draw per run: every random choice of the run follows from it (fault.h).
  seed_ = static_cast<uint64_t>(std::ldexp(deps_.random.Uniform(), 53));
  run_.dry_run = experiment_->dry_run;
  run_.expect_healing = experiment_->expect_healing;
  run_.recover_within = experiment_->recover_within;
  if (std::string why = Preflight(); !why.empty()) return Finish(RunResult::kSkipped, why);
  if (std::string why = Choose(); !why.empty()) return Finish(RunResult::kSkipped, why);
  if (std::string why = Recheck(); !why.empty()) return Finish(RunResult::kSkipped, why);
  if (run_.dry_run) return Finish(RunResult::kSkipped, "dry run: nothing was injected");
  if (std::string why = Inject(); !why.empty()) {
    Restore("the injection failed");
    return Finish(RunResult::kAborted, "injection failed: " + why);
  }
  std::string reason;
  switch (Watch(&reason)) {
    case WatchEnd::kAborted:
      Restore("the run was aborted");
      return Finish(RunResult::kAborted, reason);
    case WatchEnd::kDeadline:
      Restore("not recovered by the deadline");
      return Finish(RunResult::kFailed, reason);
    case WatchEnd::kHealthy:
      break;
  }
  Record(RunPhase::kAttribute,
         "healthy again " + common::FormatDuration(*run_.recovery_time()) + " after injection");
  if (std::string why = AttributionProblem(); !why.empty()) {
    return Finish(RunResult::kFailed, why);
  }
  return Finish(RunResult::kRecovered, "");
}

ChaosRun Runner::Run::CloseInterrupted() {
  Restore("the run was interrupted by a restart");
  return Finish(RunResult::kAborted, "interrupted by a restart");
}

bool Runner::Run::RetryRestore() {
  const std::string before = run_.steps.empty() ? "" : run_.steps.back().message;
  const Undo undo = UndoFault();
  Apply(undo);
  // Each refusal is recorded as a step once, not at every retry; the count of attempts is
  // saved every time. The run stays done.
  std::string message = "retried the restore: " + undo.message;
  if (!run_.restore_owed || message != before) {
    run_.steps.push_back({Now(), RunPhase::kRestore, std::move(message)});
  }
  if (!Save()) return true;  // the log still says owed: tried again later
  if (!run_.restore_owed) deps_.observer.OnRestored(run_);
  return run_.restore_owed;
}

}  // namespace rebound::controller::chaos
