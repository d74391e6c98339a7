// Runner::Run: one execution of a chaos run, private to the runner. Its phases live in their
// own files: runner.cc (the sequence, recording, CloseUnfinished), preflight.cc (eligibility
// and the target pick), inject.cc (the fault's choice, injection and restore), watch.cc (the
// watch and attribution). See runner.h for what each phase does.
//
// Thread-safety: one Run is used by one thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "controller/chaos/runner.h"

namespace rebound::controller::chaos {

// The API resource of a target kind (preflight.cc).
const kube::Resource& ResourceOf(TargetKind kind);

class Runner::Run {
 public:
  // `experiment` may be null only for CloseInterrupted.
  Run(const RunnerDeps& deps, const Options& options, ChaosRun run, const Experiment* experiment,
      std::stop_token stop);

  ChaosRun Execute();
  // Undoes the fault of a run a previous process left unfinished and closes it `aborted`.
  ChaosRun CloseInterrupted();

 private:
  enum class WatchEnd { kHealthy, kDeadline, kAborted };

  // runner.cc
  std::chrono::system_clock::time_point Now() const { return deps_.clock.Now(); }
  // Records a step: moves to `phase` (reported to the observer when it changed) and saves.
  void Record(RunPhase phase, std::string message);
  void Save();
  ChaosRun Finish(RunResult result, std::string reason);

  // preflight.cc: "" when the run may go on, else why it is skipped. Sets run_.target and
  // object_.
  std::string Preflight();
  std::string PickTarget();
  // Why `object` (a workload or node as read) may not be broken now; "" when it may.
  std::string Ineligible(const nlohmann::json& object) const;
  // Every steady-state query holds: "" ; else what does not (or failed).
  std::string SteadyStateProblem() const;
  // A firing alert matching abortIf: its description; "" when none. Sets `error` when the
  // alerts cannot be read.
  std::string AbortAlert(std::string* error) const;
  // Re-reads the target into object_; the API's error when it cannot.
  common::Status ReadTarget();

  // inject.cc
  std::string Choose();  // fills run_.fault; "" or why the run is skipped
  // Re-reads the target right before the fault (someone may have opted out meanwhile): "" or
  // why the run is skipped.
  std::string Recheck();
  std::string Inject();  // "" or why the injection failed
  // Undoes chaos's own fault where it is still in place; records what it did.
  void Restore(const std::string& why);

  // watch.cc
  WatchEnd Watch(std::string* reason);
  // Healthy: "" ; else what is not.
  std::string Unhealthy();
  // With expectHealing: "" when the heal log shows the playbook acting on the target since
  // injection; else the reason the run failed.
  std::string AttributionProblem() const;

  const RunnerDeps& deps_;
  const Options& options_;
  ChaosRun run_;
  const Experiment* experiment_;
  std::stop_token stop_;
  uint64_t seed_ = 0;
  nlohmann::json object_;             // the target as last read
  std::optional<kube::Scale> scale_;  // scale faults: as read when chosen
};

}  // namespace rebound::controller::chaos
