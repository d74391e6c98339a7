// ChaosRun: the record of one run of a chaos experiment (DESIGN.md section 7.1), from
// pre-flight to its result: what was chosen (written to the run log before the fault is
// injected, so that a restarted daemon knows what to undo), when the fault went in and when
// the workload was verified healthy again, whether chaos had to undo its own fault, and every
// step on the way. GET /api/v1/chaos/runs/ID serves ToJson() as it is; the run log
// (run_log.h) stores the same JSON.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "controller/chaos/experiment.h"

namespace rebound::controller::chaos {

// How a run ended (DESIGN.md section 7.1).
enum class RunResult {
  kRecovered,  // the steady state and the workload came back in time (by the expected playbook)
  kFailed,     // not back by recoverWithin, or back without the expected playbook
  kSkipped,    // a pre-flight check said no; nothing was injected
  kAborted,    // an abortIf alert fired, the kill switch went on, the daemon stopped or restarted
};
// "recovered", "failed", "skipped", "aborted" (the `result` label of rebound_chaos_runs_total).
std::string_view RunResultName(RunResult result);
std::optional<RunResult> RunResultFromName(std::string_view name);

// Where a run is. A run moves forward only; kRestore is entered only when chaos must undo its
// own fault.
enum class RunPhase { kPreflight, kInject, kWatch, kAttribute, kRestore, kDone };
// "preflight", "inject", "watch", "attribute", "restore", "done".
std::string_view RunPhaseName(RunPhase phase);
std::optional<RunPhase> RunPhaseFromName(std::string_view phase);

enum class RunTrigger { kScheduled, kManual };
// "scheduled", "manual".
std::string_view RunTriggerName(RunTrigger trigger);
std::optional<RunTrigger> RunTriggerFromName(std::string_view trigger);

// The object a run works on: a Deployment, StatefulSet or Node (ns empty).
struct RunTarget {
  TargetKind kind = TargetKind::kDeployment;
  std::string ns;
  std::string name;

  // "Deployment shop/web" (as actions::Target::ToString and the heal log write it), "Node n1".
  std::string ToString() const;
  bool empty() const { return name.empty(); }
  friend bool operator==(const RunTarget&, const RunTarget&) = default;
};

struct ChosenPod {
  std::string name;
  std::string uid;  // deleted with this uid as precondition: never a same-named replacement
  friend bool operator==(const ChosenPod&, const ChosenPod&) = default;
};

// What the run decided to break, recorded before the fault is injected.
struct FaultChoice {
  FaultType type = FaultType::kPodKill;
  // The seed of every random choice of the run (the target among selector matches, the pods,
  // the node): ChoosePods(ready pods, count, seed) gives the same pods again.
  uint64_t seed = 0;
  int count = 0;                         // pods to delete / replicas to remove (after percent)
  std::vector<ChosenPod> pods;           // pod-kill
  std::optional<int> previous_ready;     // pod-kill: ready pods before the fault (the recovery bar)
  std::optional<int> previous_replicas;  // scale-*: spec.replicas before the fault
  std::optional<int> set_replicas;       // scale-*: what chaos set (restore only from this)
  std::string node;                      // cordon-node
};

struct RunStep {
  std::chrono::system_clock::time_point at;
  RunPhase phase = RunPhase::kPreflight;
  std::string message;
};

struct ChaosRun {
  int64_t id = 0;  // assigned by RunLog::Begin; > 0 once recorded
  std::string experiment;
  RunTrigger trigger = RunTrigger::kScheduled;
  std::optional<std::chrono::system_clock::time_point> slot;  // scheduled runs: the cron slot
  std::chrono::system_clock::time_point started_at;
  RunPhase phase = RunPhase::kPreflight;
  std::optional<RunResult> result;            // set when phase is kDone
  std::string reason;                         // why skipped / failed / aborted ("" when recovered)
  RunTarget target;                           // empty until pre-flight picked one
  std::optional<FaultChoice> fault;           // set once chosen (before injection)
  std::optional<std::string> expect_healing;  // the playbook under test, copied at the start
  std::chrono::milliseconds recover_within{0};
  std::optional<std::chrono::system_clock::time_point> injected_at;
  // The first poll that saw the fault take effect: a steady-state query no longer held (the
  // fault reached monitoring), or, for an experiment without steadyState, the target's own
  // recovery check failed. Unset when nobody saw it: the claim was not really tested.
  std::optional<std::chrono::system_clock::time_point> fault_observed_at;
  // The first poll of the healthy streak that verified recovery (runner.h, step 3).
  std::optional<std::chrono::system_clock::time_point> recovered_at;
  bool restored_by_chaos = false;  // chaos had to undo its own fault
  // Chaos's undo failed (an API error): the fault may still be in place. The run is finished
  // but stays owed until a retry (Runner::RetryRestores) restores it or finds it no longer
  // chaos's to undo.
  bool restore_owed = false;
  // How many times chaos tried to undo its fault: the restore at the deadline, abort or
  // restart, and each retry of an owed one (0 when it never had to).
  int restore_attempts = 0;
  bool dry_run = false;
  std::vector<RunStep> steps;

  bool finished() const { return phase == RunPhase::kDone; }
  // Injection to the first verified healthy state; nullopt until both are known.
  std::optional<std::chrono::milliseconds> recovery_time() const;
  // Appends a step at `at` and moves to `phase`.
  void Step(std::chrono::system_clock::time_point at, RunPhase phase, std::string message);
};

// The JSON form (camelCase keys, RFC 3339 times, enums by their names):
//   {"id", "experiment", "trigger", "slot"?, "startedAt", "phase", "result"?, "reason",
//    "target": {"kind", "namespace"?, "name"}?, "fault": {"type", "seed" (a decimal string:
//    JSON numbers lose 64-bit precision), "count", "pods": [{"name", "uid"}],
//    "previousReady"?, "previousReplicas"?, "setReplicas"?, "node"?}?, "expectHealing"?,
//    "recoverWithinSeconds", "injectedAt"?, "faultObservedAt"?, "recoveredAt"?,
//    "recoverySeconds"?, "restoredByChaos", "restoreOwed", "restoreAttempts", "dryRun",
//    "steps": [{"at", "phase", "message"}]}
// Absent optionals are left out. "restoreOwed" is read as false and "restoreAttempts" as 0
// when absent (older records).
nlohmann::json RunToJson(const ChaosRun& run);
// Reads RunToJson's output back. InvalidArgument naming the field when it is malformed.
common::Result<ChaosRun> RunFromJson(const nlohmann::json& json);

}  // namespace rebound::controller::chaos
