// When an experiment's runs fall: a cron expression or a fixed period, read in the
// experiment's time zone, and only inside its windows (DESIGN.md section 7).
//
// Local times map to instants as follows: a local time inside a DST gap does not exist that
// day and is skipped; one inside a DST fold runs once, at its first occurrence (so a schedule
// that fires several times an hour pauses during the repeated hour). A window opening in a
// gap opens when the clocks jump.
//
// Thread-safety: immutable values and reentrant functions.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "controller/chaos/cron.h"
#include "controller/chaos/time_zone.h"
#include "controller/chaos/window.h"

namespace rebound::controller::chaos {

using TimePoint = std::chrono::system_clock::time_point;

struct Schedule {
  std::optional<CronSchedule> cron;                // `schedule:`
  std::optional<std::chrono::milliseconds> every;  // `every:`; neither: manual runs only
  std::chrono::milliseconds jitter{0};             // with every: [0, jitter) added per run
  TimeZone zone;                                   // `timezone:`, UTC by default
  std::vector<Window> windows;                     // empty: any time
  std::chrono::milliseconds starting_deadline = std::chrono::minutes(5);
  bool suspend = false;

  // Whether `t` is inside one of the windows (always, without windows).
  bool InsideWindows(TimePoint t) const;
  // The first instant at or after `t` inside a window; nullopt when no window has a day.
  std::optional<TimePoint> NextInsideWindows(TimePoint t) const;
  // The first instant strictly after `after` at which the cron expression fires in the zone,
  // DST gaps skipped and folds fired once; windows are not applied. nullopt without a cron
  // expression or when it never fires again.
  std::optional<TimePoint> NextCronFire(TimePoint after) const;
};

}  // namespace rebound::controller::chaos
