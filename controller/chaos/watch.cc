// Watching a chaos run's recovery and attributing it (runner.h, steps 3 and 4).
#include <algorithm>

#include "common/duration.h"
#include "controller/actions/action.h"
#include "controller/chaos/run_execution.h"
#include "controller/healing/workload_state.h"

namespace rebound::controller::chaos {

Runner::Run::WatchEnd Runner::Run::Watch(std::string* reason) {
  const auto deadline = *run_.injected_at + run_.recover_within;
  std::string last_problem;
  for (;;) {
    // Waits first: right after the fault the workload's status may not show it yet.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Now());
    if (left > std::chrono::milliseconds(0)) {
      deps_.sleeper.SleepFor(std::min(options_.poll_interval, left), stop_);
    }
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
    std::string problem = Unhealthy();
    if (problem.empty()) {
      run_.recovered_at = Now();
      return WatchEnd::kHealthy;
    }
    if (!error.empty()) problem += "; " + error;
    if (problem != last_problem) {
      Record(RunPhase::kWatch, problem);  // each new state once, not every poll
      last_problem = problem;
    }
    if (Now() >= deadline) {
      *reason = "not recovered within " + common::FormatDuration(run_.recover_within) + " (" +
                problem + ")";
      return WatchEnd::kDeadline;
    }
  }
}

std::string Runner::Run::Unhealthy() {
  if (std::string why = SteadyStateProblem(); !why.empty()) return why;
  if (run_.target.kind == TargetKind::kNode) return "";
  if (common::Status read = ReadTarget(); !read.ok()) {
    return "cannot read the target: " + read.message();
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
