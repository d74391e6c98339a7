// The chaos scheduler: given the time (the injected Clock), the experiments, when each last
// started and what runs now, it says which runs to start now and when each experiment is next
// due (for `rebound chaos list` and GET /api/v1/chaos). Pure: no threads, no I/O; the runner's
// loop calls Plan() when it wakes (at SchedulePlan::wake_at, when a run ends, on reload).
//
// Rules (DESIGN.md section 7.2, docs/experiments.md):
// - Slots come from the cron expression or the period (every + jitter) in the experiment's
//   zone (controller/chaos/schedule.h). A cron slot outside every window is dropped; a period
//   slot outside them moves to the next opening. A run is due only while inside a window.
// - A slot is due from its time until startingDeadline after it. Missed slots are not
//   replayed: of those within the deadline only the latest runs, once; older ones are gone.
//   "Once" is measured from RunState::last_started, so the caller must record a start (any
//   result, including skipped) before it plans again.
// - An experiment never seen to start is first due at the first slot after the scheduler
//   first saw it (cron), or within `jitter` of then (every).
// - Never two runs of one experiment; at most max_concurrent runs at once (manual ones
//   count), the oldest due slot first, then by name. Suspended experiments, and every
//   experiment while IsLeader() says no, start nothing.
// - Jitter is drawn from the injected RandomSource once per run: the draw is kept until
//   last_started changes, so repeated planning does not move a slot.
//
// Thread-safety: not thread-safe; one loop owns a Scheduler.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "controller/chaos/experiment.h"

namespace rebound::controller::chaos {

// What the runner knows of an experiment's runs (from its journal).
struct RunState {
  std::optional<TimePoint> last_started;  // the last run's start, any result
  bool running = false;                   // a run (scheduled or manual) is active
};

// Where an experiment stands in one plan.
enum class ScheduleState {
  kScheduled,         // next is in the future
  kDue,               // started by this plan (SchedulePlan::start)
  kSuspended,         // spec.suspend
  kManualOnly,        // neither schedule nor every: runs only when asked
  kRunning,           // due, but a run of it is active
  kConcurrencyLimit,  // due, but chaos.max_concurrent runs are active
  kNotLeader,         // due, but this replica does not schedule
  kNever,             // the schedule has no slot left (cannot happen after validation)
};
// "scheduled", "due", "suspended", "manual_only", "running", "concurrency_limit",
// "not_leader", "never".
std::string_view ScheduleStateName(ScheduleState state);

struct ExperimentPlan {
  std::string name;
  ScheduleState state = ScheduleState::kScheduled;
  std::optional<TimePoint> next;  // the due slot (<= now) or the next one; none when not
                                  // scheduled (suspended, manual only, never)
};

struct DueRun {
  std::shared_ptr<const Experiment> experiment;
  TimePoint slot;  // the slot it runs for (<= now)
};

struct SchedulePlan {
  std::vector<DueRun> start;                // to start now, in this order
  std::vector<ExperimentPlan> experiments;  // one per experiment, in the given order
  std::optional<TimePoint> wake_at;         // the earliest future slot: plan again then
};

class Scheduler {
 public:
  struct Options {
    int max_concurrent = 1;  // rebound.yaml chaos.max_concurrent
  };

  // `is_leader` is asked once per plan (always true until leader election lands).
  Scheduler(const common::Clock& clock, common::RandomSource& random, Options options,
            std::function<bool()> is_leader);

  // The plan at clock.Now(). `runs` holds the experiments' run states by name (absent: never
  // started, not running), and may name experiments no longer loaded whose runs still count
  // against max_concurrent.
  SchedulePlan Plan(const std::vector<std::shared_ptr<const Experiment>>& experiments,
                    const std::map<std::string, RunState>& runs);

 private:
  struct Slots {
    std::optional<TimePoint> due;   // a slot within its deadline, now inside a window
    std::optional<TimePoint> next;  // the first slot after now
  };
  // What the scheduler remembers per experiment name.
  struct Memory {
    TimePoint first_seen;
    bool drawn = false;
    std::optional<TimePoint> drawn_for;  // the last_started the jitter was drawn for
    std::chrono::milliseconds jitter{0};
  };

  Slots CronSlots(const Schedule& schedule, TimePoint since, TimePoint now) const;
  Slots PeriodSlots(const Schedule& schedule, TimePoint start, TimePoint now) const;
  std::chrono::milliseconds Jitter(Memory& memory, const Schedule& schedule,
                                   std::optional<TimePoint> last_started);

  const common::Clock& clock_;
  common::RandomSource& random_;
  Options options_;
  std::function<bool()> is_leader_;
  std::map<std::string, Memory> memory_;
};

}  // namespace rebound::controller::chaos
