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

// The pods of `workload` (as read: its spec.selector), in name order (inject.cc).
common::Result<std::vector<nlohmann::json>> WorkloadPods(kube::KubeClient& kube,
                                                         const nlohmann::json& workload);

class Runner::Run {
 public:
  // `experiment` may be null only for CloseInterrupted.
  Run(const RunnerDeps& deps, const Options& options, ChaosRun run, const Experiment* experiment,
      std::stop_token stop);

  ChaosRun Execute();
  // Undoes the fault of a run a previous process left unfinished and closes it `aborted`.
  ChaosRun CloseInterrupted();
  // Tries again the restore a finished run owes (ChaosRun::restore_owed); the run stays done.
  // Whether it is still owed (the API refused again, or the run log could not be written).
  bool RetryRestore();

 private:
  enum class WatchEnd { kHealthy, kDeadline, kAborted };
  // What undoing the fault came to: done, nothing to do (never chaos's, or no longer: gone,
  // changed by someone else, healed already), or failed (the API refused: still owed).
  enum class UndoOutcome { kDone, kNothing, kFailed };
  struct Undo {
    UndoOutcome outcome = UndoOutcome::kNothing;
    std::string message;
  };

  // runner.cc
  std::chrono::system_clock::time_point Now() const { return deps_.clock.Now(); }
  // Records a step: moves to `phase` (reported to the observer when it changed) and saves.
  // Whether the run log was written (a failure is logged; most callers go on regardless).
  bool Record(RunPhase phase, std::string message);
  bool Save();
  ChaosRun Finish(RunResult result, std::string reason);

  // preflight.cc: "" when the run may go on, else why it is skipped. Sets run_.target and
  // object_.
  std::string Preflight();
  std::string PickTarget();
  // Why `object` (a workload or node as read) may not be broken now; "" when it may.
  std::string Ineligible(const nlohmann::json& object) const;
  // Every steady-state query holds: "" ; else what does not (or failed). `broken` (optional)
  // is set when a query answered and did not hold, as opposed to failing.
  std::string SteadyStateProblem(bool* broken = nullptr) const;
  // A firing alert matching abortIf: its description; "" when none. Sets `error` when the
  // alerts cannot be read.
  std::string AbortAlert(std::string* error) const;
  // "" unless an earlier run still owes the restore of its fault on the target.
  std::string RestoreOwedOnTarget() const;
  // Re-reads the target into object_; the API's error when it cannot.
  common::Status ReadTarget();

  // inject.cc
  std::string Choose();                         // fills run_.fault; "" or why the run is skipped
  std::string ChooseScale(FaultChoice choice);  // Choose for scale-to-zero and scale-down
  // Sets run_.fault to `choice` (`what`: for people) and writes it to the run log: "" or, when
  // the log cannot be written, why the run is skipped (and the choice dropped).
  std::string RecordChoice(FaultChoice choice, const std::string& what);
  // Re-reads the target right before the fault (someone may have opted out meanwhile): "" or
  // why the run is skipped.
  std::string Recheck();
  std::string Inject();  // "" or why the injection failed
  // Undoes chaos's own fault where it is still in place; records what it did, and marks the
  // run as owing a restore when the API refused.
  void Restore(const std::string& why);
  Undo UndoFault();
  void Apply(const Undo& undo);

  // watch.cc
  WatchEnd Watch(std::string* reason);
  // The recovery check of the fault (not satisfiable by the damaged state): "" when the
  // target is back; else what is not. See runner.h, step 3.
  std::string TargetProblem();
  // Notes the first poll at which the fault was seen taking effect (ChaosRun::fault_observed_at).
  void ObserveFault(const std::string& what);
  // Before the run leaves its watch: a step warning that monitoring never saw the fault.
  void WarnIfFaultUnseen();
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
