// Watching a chaos run's recovery and attributing it (runner.h, steps 3 and 4).
#include <algorithm>

#include "common/duration.h"
#include "controller/actions/action.h"
#include "controller/actions/action_support.h"
#include "controller/chaos/fault.h"
#include "controller/chaos/run_execution.h"
#include "controller/healing/workload_state.h"
#include "kube/object.h"

namespace rebound::controller::chaos {

Runner::Run::WatchEnd Runner::Run::Watch(std::string* reason) {
  using std::chrono::milliseconds;
  const auto deadline = *run_.injected_at + run_.recover_within;
  const bool monitored = !experiment_->steady_state.empty();
  // The confirmation a healthy poll needs: the steady state is only believed once it has held
  // for `settle` over at least two polls (a scrape must have happened since the target healed).
  const milliseconds settle = monitored ? options_.settle : milliseconds(0);
  const int polls_needed = monitored ? 2 : 1;
  std::string last_problem;
  // The healthy streak: its polls so far (0: none) and its first poll. (Not an optional time:
  // GCC 12 at -O3 warns it may be used uninitialized.)
  int streak_polls = 0;
  std::chrono::system_clock::time_point streak_start;
  for (;;) {
    // Waits first: right after the fault the workload's status may not show it yet. The last
    // poll lands on the deadline; a streak being confirmed goes on polling past it.
    milliseconds wait = options_.poll_interval;
    if (streak_polls == 0) {
      wait = std::min(wait, std::chrono::duration_cast<milliseconds>(deadline - Now()));
    }
    if (wait > milliseconds(0)) deps_.sleeper.SleepFor(wait, stop_);
    if (stop_.stop_requested()) {
      *reason = "the daemon is stopping";
      return WatchEnd::kAborted;
    }
    if (deps_.paused && deps_.paused()) {
      *reason = "the kill switch went on";
      return WatchEnd::kAborted;
    }
    std::string error;
    if (std::string alert = AbortAlert(&error); !alert.empty()) {
      *reason = "alert firing: " + alert;
      return WatchEnd::kAborted;
    }
    const std::string target = TargetProblem();
    bool broken = false;
    const std::string steady = monitored ? SteadyStateProblem(&broken) : "";
    if (broken) ObserveFault(steady);
    if (!monitored && !target.empty()) ObserveFault(target);
    std::string problem = target.empty() ? steady : target;
    if (problem.empty()) {
      if (streak_polls == 0) streak_start = Now();
      ++streak_polls;
      if (streak_polls >= polls_needed && Now() - streak_start >= settle) {
        run_.recovered_at = streak_start;
        WarnIfFaultUnseen();
        return WatchEnd::kHealthy;
      }
      problem = "the target is back; confirming that the steady state holds for " +
                common::FormatDuration(settle);
    } else {
      streak_polls = 0;
    }
    if (!error.empty()) problem += "; " + error;
    if (problem != last_problem) {
      Record(RunPhase::kWatch, problem);  // each new state once, not every poll
      last_problem = problem;
    }
    if (streak_polls == 0 && Now() >= deadline) {
      *reason = "not recovered within " + common::FormatDuration(run_.recover_within) + " (" +
                problem + ")";
      WarnIfFaultUnseen();
      return WatchEnd::kDeadline;
    }
  }
}

void Runner::Run::ObserveFault(const std::string& what) {
  if (run_.fault_observed_at) return;
  run_.fault_observed_at = Now();
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(*run_.fault_observed_at -
                                                                           *run_.injected_at);
  Record(RunPhase::kWatch,
         "the fault is visible " + common::FormatDuration(after) + " after injection: " + what);
}

void Runner::Run::WarnIfFaultUnseen() {
  if (run_.fault_observed_at || experiment_->steady_state.empty()) return;
  Record(RunPhase::kWatch,
         "warning: the fault was never visible to monitoring (every steady-state query held at "
         "every poll): the steady state may not measure what this fault breaks");
}

std::string Runner::Run::TargetProblem() {
  const FaultChoice& fault = *run_.fault;
  if (fault.type == FaultType::kCordonNode) {
    common::Result<nlohmann::json> node = deps_.kube.Get(kube::kNodes, "", fault.node);
    if (!node.ok()) return "cannot read node " + fault.node + ": " + node.status().message();
    if (actions::JsonAt(*node, {"spec", "unschedulable"}) == true) {
      return "node " + fault.node + " is cordoned";
    }
    return "";
  }
  if (common::Status read = ReadTarget(); !read.ok()) {
    return "cannot read the target: " + read.message();
  }
  if (fault.type == FaultType::kPodKill) {
    common::Result<std::vector<nlohmann::json>> pods = WorkloadPods(deps_.kube, object_);
    if (!pods.ok()) return "cannot list the pods: " + pods.status().message();
    int ready = 0;
    for (const nlohmann::json& pod : *pods) {
      const std::string uid = kube::ObjectUid(pod);
      for (const ChosenPod& killed : fault.pods) {
        if (killed.uid == uid) return "killed pod " + killed.name + " is still there";
      }
      if (PodReady(pod)) ++ready;
    }
    const int before = fault.previous_ready.value_or(0);
    if (ready < before) {
      return std::to_string(ready) + " of the " + std::to_string(before) +
             " pods ready before the fault are ready";
    }
    return "";
  }
  // scale-to-zero, scale-down: spec back (0 == 0 must not count) and the workload ready.
  const nlohmann::json& spec_replicas = actions::JsonAt(object_, {"spec", "replicas"});
  const int64_t replicas = spec_replicas.is_number_integer() ? spec_replicas.get<int64_t>() : 1;
  if (replicas < fault.previous_replicas.value_or(0)) {
    return "spec.replicas is " + std::to_string(replicas) + ", below the " +
           std::to_string(*fault.previous_replicas) + " before the fault";
  }
  std::string why;
  if (!healing::WorkloadReady(object_, &why)) return "not ready: " + why;
  return "";
}

std::string Runner::Run::AttributionProblem() const {
  if (!run_.expect_healing) return "";
  common::Result<std::vector<healing::HealRecord>> records =
      deps_.heal_log.Since(*run_.injected_at);
  if (!records.ok()) return "cannot read the heal log: " + records.status().message();
  const std::string target = run_.target.ToString();
  const std::string done(actions::OutcomeName(actions::ActionResult::Outcome::kDone));
  for (const healing::HealRecord& record : *records) {
    if (record.kind == healing::HealRecord::Kind::kAction &&
        record.playbook == *run_.expect_healing && record.target == target &&
        record.result == done) {
      return "";
    }
  }
  return "recovered without the playbook " + *run_.expect_healing;
}

}  // namespace rebound::controller::chaos
