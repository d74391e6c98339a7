#include "controller/chaos/scheduler.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace rebound::controller::chaos {
namespace {

// Bounds the walk over cron slots that fall outside the windows, each step of which jumps to
// the next opening.
constexpr int kMaxWindowJumps = 1000;

}  // namespace

std::string_view ScheduleStateName(ScheduleState state) {
  switch (state) {
    case ScheduleState::kScheduled:
      return "scheduled";
    case ScheduleState::kDue:
      return "due";
    case ScheduleState::kSuspended:
      return "suspended";
    case ScheduleState::kManualOnly:
      return "manual_only";
    case ScheduleState::kRunning:
      return "running";
    case ScheduleState::kConcurrencyLimit:
      return "concurrency_limit";
    case ScheduleState::kNotLeader:
      return "not_leader";
    case ScheduleState::kNever:
      return "never";
  }
  return "unknown";
}

Scheduler::Scheduler(const common::Clock& clock, common::RandomSource& random, Options options,
                     std::function<bool()> is_leader)
    : clock_(clock), random_(random), options_(options), is_leader_(std::move(is_leader)) {}

Scheduler::Slots Scheduler::CronSlots(const Schedule& schedule, TimePoint since,
                                      TimePoint now) const {
  Slots out;
  // Only slots within the deadline can still run; older ones are missed.
  std::optional<TimePoint> fire =
      schedule.NextCronFire(std::max(since, now - schedule.starting_deadline));
  std::optional<TimePoint> latest;
  for (; fire && *fire <= now; fire = schedule.NextCronFire(*fire)) {
    if (schedule.InsideWindows(*fire)) latest = fire;
  }
  if (latest && schedule.InsideWindows(now)) out.due = latest;
  for (int i = 0; fire && i < kMaxWindowJumps; ++i) {
    if (schedule.InsideWindows(*fire)) {
      out.next = fire;
      break;
    }
    std::optional<TimePoint> opening = schedule.NextInsideWindows(*fire);
    fire = opening ? schedule.NextCronFire(*opening - std::chrono::seconds(1)) : std::nullopt;
  }
  return out;
}

Scheduler::Slots Scheduler::PeriodSlots(const Schedule& schedule, TimePoint start,
                                        TimePoint now) const {
  // Slots fall at start + k * every; the latest at or before now may still be due.
  Slots out;
  const auto every = *schedule.every;
  if (now < start) {
    out.next = schedule.NextInsideWindows(start);
    return out;
  }
  const auto k = (now - start) / every;
  const TimePoint latest = start + k * every;
  std::optional<TimePoint> moved = schedule.NextInsideWindows(latest);
  if (moved && *moved > now) {
    out.next = moved;
    return out;
  }
  if (moved && now - *moved <= schedule.starting_deadline && schedule.InsideWindows(now)) {
    out.due = moved;
  }
  out.next = schedule.NextInsideWindows(latest + every);
  return out;
}

std::chrono::milliseconds Scheduler::Jitter(Memory& memory, const Schedule& schedule,
                                            std::optional<TimePoint> last_started) {
  if (!memory.drawn || memory.drawn_for != last_started) {
    const double u = std::clamp(random_.Uniform(), 0.0, 1.0);
    auto drawn = std::chrono::milliseconds(
        static_cast<int64_t>(u * static_cast<double>(schedule.jitter.count())));
    // Uniform() is below 1, but a source that returns 1 must not reach the bound.
    if (schedule.jitter.count() > 0 && drawn >= schedule.jitter) {
      drawn = schedule.jitter - std::chrono::milliseconds(1);
    }
    memory.jitter = drawn;
    memory.drawn = true;
    memory.drawn_for = last_started;
  }
  return memory.jitter;
}

SchedulePlan Scheduler::Plan(const std::vector<std::shared_ptr<const Experiment>>& experiments,
                             const std::map<std::string, RunState>& runs) {
  const TimePoint now = clock_.Now();
  const bool leader = is_leader_();
  int running_total = 0;
  for (const auto& [name, run] : runs) running_total += run.running ? 1 : 0;

  std::map<std::string, Memory> memory;
  SchedulePlan plan;
  std::vector<std::pair<size_t, DueRun>> due;  // index into plan.experiments
  for (const auto& experiment : experiments) {
    const Schedule& schedule = experiment->schedule;
    auto remembered = memory_.find(experiment->name);
    Memory& mem = memory[experiment->name];
    if (remembered != memory_.end()) {
      mem = remembered->second;
    } else {
      mem.first_seen = now;
    }
    auto run_it = runs.find(experiment->name);
    const RunState run = run_it != runs.end() ? run_it->second : RunState{};

    ExperimentPlan entry{experiment->name, ScheduleState::kScheduled, std::nullopt};
    Slots slots;
    if (schedule.suspend) {
      entry.state = ScheduleState::kSuspended;
    } else if (schedule.cron) {
      slots = CronSlots(schedule, run.last_started.value_or(mem.first_seen), now);
    } else if (schedule.every) {
      const std::chrono::milliseconds jitter = Jitter(mem, schedule, run.last_started);
      const TimePoint start =
          (run.last_started ? *run.last_started + *schedule.every : mem.first_seen) + jitter;
      slots = PeriodSlots(schedule, start, now);
    } else {
      entry.state = ScheduleState::kManualOnly;
    }
    entry.next = slots.due ? slots.due : slots.next;
    if (slots.next && (!plan.wake_at || *slots.next < *plan.wake_at)) plan.wake_at = slots.next;
    if (entry.state == ScheduleState::kScheduled && !entry.next) {
      entry.state = ScheduleState::kNever;
    }
    if (slots.due) {
      if (run.running) {
        entry.state = ScheduleState::kRunning;
      } else if (!leader) {
        entry.state = ScheduleState::kNotLeader;
      } else {
        due.push_back({plan.experiments.size(), DueRun{experiment, *slots.due}});
      }
    }
    plan.experiments.push_back(std::move(entry));
  }
  memory_ = std::move(memory);  // forgets experiments that are gone

  std::stable_sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.slot, a.second.experiment->name) <
           std::tie(b.second.slot, b.second.experiment->name);
  });
  for (auto& [index, run] : due) {
    if (running_total < options_.max_concurrent) {
      plan.experiments[index].state = ScheduleState::kDue;
      plan.start.push_back(std::move(run));
      ++running_total;
    } else {
      plan.experiments[index].state = ScheduleState::kConcurrencyLimit;
    }
  }
  return plan;
}

}  // namespace rebound::controller::chaos
