#include "controller/chaos/window.h"

#include <charconv>
#include <string>

namespace rebound::controller::chaos {
namespace {

using std::chrono::local_days;
using std::chrono::local_seconds;

// "HH:MM" as minutes of the day, "24:00" included; nullopt for anything else.
std::optional<int> ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  int hour = 0;
  int minute = 0;
  auto [h_end, h_ec] = std::from_chars(s.data(), s.data() + 2, hour);
  auto [m_end, m_ec] = std::from_chars(s.data() + 3, s.data() + 5, minute);
  if (h_ec != std::errc() || h_end != s.data() + 2 || m_ec != std::errc() ||
      m_end != s.data() + 5) {
    return std::nullopt;
  }
  if (hour > 24 || minute > 59 || (hour == 24 && minute != 0)) return std::nullopt;
  return hour * 60 + minute;
}

}  // namespace

bool Window::Contains(local_seconds t) const {
  const local_days day = std::chrono::floor<std::chrono::days>(t);
  const auto minute = std::chrono::floor<std::chrono::minutes>(t - day).count();
  return days[std::chrono::weekday(day).c_encoding()] && minute >= start_minute &&
         minute < end_minute;
}

std::optional<local_seconds> Window::NextStart(local_seconds after) const {
  const local_days today = std::chrono::floor<std::chrono::days>(after);
  for (int i = 0; i <= 7; ++i) {
    const local_days day = today + std::chrono::days(i);
    const local_seconds start = day + std::chrono::minutes(start_minute);
    if (start > after && days[std::chrono::weekday(day).c_encoding()]) return start;
  }
  return std::nullopt;
}

common::Result<MinuteRange> ParseHours(std::string_view text) {
  const size_t dash = text.find('-');
  std::optional<int> start = ParseClock(text.substr(0, dash));
  std::optional<int> end =
      dash == std::string_view::npos ? std::nullopt : ParseClock(text.substr(dash + 1));
  if (!start || !end) {
    return common::InvalidArgument("\"" + std::string(text) +
                                   "\": expected HH:MM-HH:MM on a 24-hour clock, such as "
                                   "\"09:00-17:00\" (\"24:00\" ends at midnight)");
  }
  if (*end <= *start) {
    return common::InvalidArgument(
        "\"" + std::string(text) + "\" is " +
        (*end == *start ? std::string("an empty window")
                        : std::string("a window that crosses midnight; write two windows, "
                                      "such as \"22:00-24:00\" and \"00:00-06:00\"")));
  }
  return MinuteRange{*start, *end};
}

}  // namespace rebound::controller::chaos
