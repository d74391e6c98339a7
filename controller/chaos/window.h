// Windows: the local days and hours in which an experiment may run ("only while people are
// around"), such as Mon-Fri 09:00-17:00.
//
// A window's hours are [start, end) in minutes of the local day; a window does not cross
// midnight (write two windows instead), and "24:00" ends it at midnight.
//
// Thread-safety: immutable values and reentrant functions.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::chaos {

struct Window {
  std::bitset<7> days = std::bitset<7>().set();  // bit 0 is Sunday
  int start_minute = 0;                          // of the local day, inclusive
  int end_minute = 24 * 60;                      // exclusive; > start_minute

  // Whether the local time `t` is inside the window.
  bool Contains(std::chrono::local_seconds t) const;
  // The first start of the window strictly after the local time `after`; nullopt when the
  // window has no day.
  std::optional<std::chrono::local_seconds> NextStart(std::chrono::local_seconds after) const;
};

struct MinuteRange {
  int start_minute;
  int end_minute;
};

// "09:00-17:00" (HH:MM-HH:MM, 24-hour, end "24:00" allowed). InvalidArgument for another form,
// a time that does not exist, or an end not after the start (an empty window, or one crossing
// midnight).
common::Result<MinuteRange> ParseHours(std::string_view text);

}  // namespace rebound::controller::chaos
