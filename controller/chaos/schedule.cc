#include "controller/chaos/schedule.h"

#include <algorithm>

namespace rebound::controller::chaos {
namespace {

std::chrono::sys_seconds Seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::sys_time<TimePoint::duration>(t));
}

// Enough to cross any run of gaps a zone has ever had within one search.
constexpr int kMaxSkippedLocalTimes = 10000;

}  // namespace

bool Schedule::InsideWindows(TimePoint t) const {
  if (windows.empty()) return true;
  const std::chrono::local_seconds local = zone.ToLocal(Seconds(t));
  return std::any_of(windows.begin(), windows.end(),
                     [&](const Window& w) { return w.Contains(local); });
}

std::optional<TimePoint> Schedule::NextInsideWindows(TimePoint t) const {
  if (InsideWindows(t)) return t;
  const std::chrono::local_seconds local = zone.ToLocal(Seconds(t));
  std::optional<std::chrono::local_seconds> opening;
  for (const Window& w : windows) {
    std::optional<std::chrono::local_seconds> start = w.NextStart(local);
    if (start && (!opening || *start < *opening)) opening = start;
  }
  if (!opening) return std::nullopt;
  // Unique, repeated (first occurrence) or skipped (the jump): each is when the window opens.
  return std::max<TimePoint>(zone.Lookup(*opening).instant, t);
}

std::optional<TimePoint> Schedule::NextCronFire(TimePoint after) const {
  if (!cron) return std::nullopt;
  const std::chrono::sys_seconds after_s = Seconds(after);
  std::chrono::local_seconds local = zone.ToLocal(after_s);
  for (int i = 0; i < kMaxSkippedLocalTimes; ++i) {
    std::optional<std::chrono::local_seconds> next = cron->NextAfter(local);
    if (!next) return std::nullopt;
    local = *next;
    const LocalTimeLookup found = zone.Lookup(local);
    if (found.kind == LocalTimeKind::kSkipped) continue;
    // In the second pass of a fold the first occurrence lies behind: already fired.
    if (TimePoint(found.instant) <= after) continue;
    return TimePoint(found.instant);
  }
  return std::nullopt;
}

}  // namespace rebound::controller::chaos
