// Five-field cron expressions (minute hour day-of-month month day-of-week), as crontab(5)
// reads them, and the next local time one fires.
//
// Fields: numbers, ranges (1-5), steps (*/15, 10-50/20), lists (1,15,30), month names JAN-DEC
// and day names SUN-SAT (any case, also in ranges). In day-of-week both 0 and 7 are Sunday.
// When day-of-month and day-of-week are both restricted (neither field starts with `*`), a day
// matches when EITHER matches — crontab(5)'s rule, so `0 0 1 * MON` fires on the 1st and on
// every Monday; when one starts with `*` only the other restricts the day. Macros: @yearly
// (@annually), @monthly, @weekly, @daily (@midnight), @hourly. Not accepted, each with a hint:
// a value with a step but no range (`5/15`), ranges that run backwards (`FRI-MON`), steps of 0
// or beyond the field, @reboot and @every, and expressions that can never fire (`0 0 30 FEB *`).
//
// Times here are local (wall-clock) times with no zone: the scheduler maps them to instants in
// the experiment's time zone (controller/chaos/time_zone.h).
//
// Thread-safety: a CronSchedule is an immutable value; Parse is reentrant.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::chaos {

class CronSchedule {
 public:
  // Parses `text`. InvalidArgument naming the field and the problem, such as
  // `day-of-month "32": 32 is outside 1-31`.
  static common::Result<CronSchedule> Parse(std::string_view text);

  // The first local minute strictly after `after` that the expression selects; nullopt when
  // there is none within nine years (a Feb 29 expression fires at least every eight years).
  std::optional<std::chrono::local_seconds> NextAfter(std::chrono::local_seconds after) const;

  // Whether the expression selects this local minute (seconds are ignored).
  bool Matches(std::chrono::local_seconds t) const;
  // Whether some day that falls on `weekday` can be selected (for checking windows).
  bool MayFireOn(std::chrono::weekday weekday) const;
  // Whether the expression fires at this hour and minute on the days it selects.
  bool FiresAt(int hour, int minute) const { return hours_[hour] && minutes_[minute]; }

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(std::chrono::year_month_day date) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bit 0 unused
  std::bitset<13> months_;         // bit 0 unused
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool dom_star_ = false;          // the field starts with `*`
  bool dow_star_ = false;
};

// A day-of-week list in cron syntax ("Mon-Fri", "sat,sun", "1-5", "*"): bit 0 is Sunday.
// InvalidArgument as for CronSchedule::Parse. Windows name their days with it.
common::Result<std::bitset<7>> ParseDaysOfWeek(std::string_view text);

}  // namespace rebound::controller::chaos
