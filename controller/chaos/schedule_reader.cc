#include "controller/chaos/schedule_reader.h"

#include <string>

#include "common/duration.h"

namespace rebound::controller::chaos {
namespace {

using common::StrictMap;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The days of a window: a cron day-of-week list ("Mon-Fri", "Sat,Sun") or a list of them.
std::optional<std::bitset<7>> ReadDays(const StrictMap& window) {
  const YAML::Node node = *window.Find("days");
  const std::string where = window.Qualified("days");
  std::vector<YAML::Node> items;
  if (node.IsSequence() && node.size() > 0) {
    for (const YAML::Node& item : node) items.push_back(item);
  } else {
    items.push_back(node);
  }
  std::bitset<7> days;
  bool ok = true;
  for (const YAML::Node& item : items) {
    std::optional<std::string> text = common::YamlString(item, where, window.errors());
    if (!text) {
      ok = false;
      continue;
    }
    common::Result<std::bitset<7>> parsed = ParseDaysOfWeek(*text);
    if (!parsed.ok()) {
      window.errors().Add(item, Quote(where) + ": " + parsed.status().message() +
                                    " (days such as Mon-Fri, Sat,Sun or 1-5)");
      ok = false;
      continue;
    }
    days |= *parsed;
  }
  if (!ok) return std::nullopt;
  return days;
}

std::optional<Window> ReadWindow(const YAML::Node& node, size_t index, common::YamlErrors& errors) {
  StrictMap map(node, "spec.windows[" + std::to_string(index) + "]", {"days", "hours"}, errors);
  if (!map.is_map()) return std::nullopt;
  if (!map.Has("days") && !map.Has("hours")) {
    errors.Add(node, Quote(map.name()) +
                         ": a window needs days, hours or both, such as "
                         "{ days: Mon-Fri, hours: \"09:00-17:00\" }");
    return std::nullopt;
  }
  Window window;
  bool ok = true;
  if (map.Has("days")) {
    std::optional<std::bitset<7>> days = ReadDays(map);
    ok &= days.has_value();
    if (days) window.days = *days;
  }
  if (std::optional<std::string> hours = map.String("hours")) {
    common::Result<MinuteRange> range = ParseHours(*hours);
    if (!range.ok()) {
      errors.Add(*map.Find("hours"),
                 Quote(map.Qualified("hours")) + ": " + range.status().message());
      ok = false;
    } else {
      window.start_minute = range->start_minute;
      window.end_minute = range->end_minute;
    }
  } else {
    ok &= !map.Has("hours");
  }
  if (!ok) return std::nullopt;
  return window;
}

std::optional<std::vector<Window>> ReadWindows(const StrictMap& spec) {
  std::vector<Window> out;
  if (!spec.Has("windows")) return out;
  const YAML::Node list = *spec.Find("windows");
  if (!list.IsSequence() || list.size() == 0) {
    spec.errors().Add(list,
                      "\"spec.windows\": expected a non-empty list of windows such as "
                      "[{ days: Mon-Fri, hours: \"09:00-17:00\" }] (leave it out to allow "
                      "any time), got " +
                          common::DescribeYaml(list));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    std::optional<Window> window = ReadWindow(list[i], i, spec.errors());
    ok &= window.has_value();
    if (window) out.push_back(*window);
  }
  if (!ok) return std::nullopt;
  return out;
}

// Whether the cron expression fires at some minute inside one of the windows.
bool FiresInsideWindows(const CronSchedule& cron, const std::vector<Window>& windows) {
  for (const Window& w : windows) {
    for (unsigned d = 0; d < 7; ++d) {
      if (!w.days[d] || !cron.MayFireOn(std::chrono::weekday(d))) continue;
      for (int m = w.start_minute; m < w.end_minute; ++m) {
        if (cron.FiresAt(m / 60, m % 60)) return true;
      }
    }
  }
  return false;
}

}  // namespace

std::optional<Schedule> ReadSchedule(const StrictMap& spec) {
  common::YamlErrors& errors = spec.errors();
  const size_t errors_before = errors.size();
  Schedule schedule;
  if (std::optional<std::string> text = spec.String("schedule")) {
    common::Result<CronSchedule> cron = CronSchedule::Parse(*text);
    if (cron.ok()) {
      schedule.cron = std::move(*cron);
    } else {
      errors.Add(*spec.Find("schedule"), "\"spec.schedule\": " + cron.status().message());
    }
  }
  if (spec.Has("every")) {
    schedule.every = spec.Duration("every", std::chrono::minutes(1));
    if (spec.Has("schedule")) {
      errors.Add(spec.KeyMark("every"),
                 "give either \"spec.schedule\" (cron) or \"spec.every\" (a period), not both");
    }
  }
  if (spec.Has("jitter")) {
    std::optional<std::chrono::milliseconds> jitter =
        spec.Duration("jitter", std::chrono::milliseconds(0));
    if (!spec.Has("every")) {
      errors.Add(spec.KeyMark("jitter"),
                 "\"spec.jitter\" spreads the runs of \"spec.every\"; it needs every");
    } else if (jitter && schedule.every && *jitter >= *schedule.every) {
      errors.Add(*spec.Find("jitter"), "\"spec.jitter\" (" + common::FormatDuration(*jitter) +
                                           ") must be shorter than \"spec.every\" (" +
                                           common::FormatDuration(*schedule.every) + ")");
    }
    if (jitter) schedule.jitter = *jitter;
  }
  if (std::optional<std::string> zone = spec.String("timezone")) {
    common::Result<TimeZone> loaded = TimeZone::Load(*zone);
    if (loaded.ok()) {
      schedule.zone = std::move(*loaded);
    } else {
      errors.Add(*spec.Find("timezone"), "\"spec.timezone\": " + loaded.status().message());
    }
  }
  std::optional<std::vector<Window>> windows = ReadWindows(spec);
  if (windows) schedule.windows = std::move(*windows);
  if (windows && schedule.cron && !schedule.windows.empty() &&
      !FiresInsideWindows(*schedule.cron, schedule.windows)) {
    errors.Add(*spec.Find("windows"),
               "the schedule " + Quote(schedule.cron->text()) +
                   " never fires inside \"spec.windows\", so the experiment would never run; "
                   "move the schedule or widen the windows");
  }
  schedule.suspend = spec.Bool("suspend").value_or(false);
  if (spec.Has("startingDeadline")) {
    schedule.starting_deadline = spec.Duration("startingDeadline", std::chrono::seconds(1))
                                     .value_or(schedule.starting_deadline);
  }
  if (errors.size() != errors_before) return std::nullopt;
  return schedule;
}

}  // namespace rebound::controller::chaos
