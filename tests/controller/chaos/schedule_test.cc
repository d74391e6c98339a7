#include "controller/chaos/schedule.h"

#include <gtest/gtest.h>

#include <string>

namespace rebound::controller::chaos {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// An instant given in UTC.
TimePoint Utc(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
  return TimePoint(std::chrono::sys_days(std::chrono::year(y) / m / d) + hours(hour) +
                   minutes(minute));
}

Schedule Berlin(const std::string& cron = "") {
  Schedule schedule;
  schedule.zone = *TimeZone::Load("Europe/Berlin");
  if (!cron.empty()) schedule.cron = *CronSchedule::Parse(cron);
  return schedule;
}

TEST(TimeZoneTest, UnknownAndUnsafeNamesAreRefused) {
  EXPECT_FALSE(TimeZone::Load("Europe/Atlantis").ok());
  EXPECT_FALSE(TimeZone::Load("/etc/localtime").ok());
  EXPECT_FALSE(TimeZone::Load("../../etc/localtime").ok());
  EXPECT_FALSE(TimeZone::Load("").ok());
  ASSERT_TRUE(TimeZone::Load("UTC").ok());
  EXPECT_EQ(TimeZone().name(), "UTC");
}

TEST(TimeZoneTest, LookupTellsGapsAndFolds) {
  TimeZone berlin = *TimeZone::Load("Europe/Berlin");
  using std::chrono::local_days;
  const auto march = local_days(std::chrono::year(2026) / 3 / 29);
  LocalTimeLookup gap = berlin.Lookup(march + hours(2) + minutes(30));
  EXPECT_EQ(gap.kind, LocalTimeKind::kSkipped);
  EXPECT_EQ(TimePoint(gap.instant), Utc(2026, 3, 29, 1, 0));  // 03:00 CEST
  const auto october = local_days(std::chrono::year(2026) / 10 / 25);
  LocalTimeLookup fold = berlin.Lookup(october + hours(2) + minutes(30));
  EXPECT_EQ(fold.kind, LocalTimeKind::kRepeated);
  EXPECT_EQ(TimePoint(fold.instant), Utc(2026, 10, 25, 0, 30));  // 02:30 CEST, the first
}

TEST(ScheduleTest, TheMissingHalfHourOfTheSpringDstChangeIsSkippedThatDay) {
  // 2026-03-29 is the last Sunday of March: 02:00 CET jumps to 03:00 CEST.
  Schedule schedule = Berlin("30 2 * * *");
  const TimePoint saturday = Utc(2026, 3, 28, 1, 30);  // 02:30 CET
  EXPECT_EQ(schedule.NextCronFire(saturday - minutes(1)), saturday);
  EXPECT_EQ(schedule.NextCronFire(saturday), Utc(2026, 3, 30, 0, 30));  // Monday 02:30 CEST
}

TEST(ScheduleTest, TheRepeatedHalfHourOfTheAutumnDstChangeRunsOnce) {
  // 2026-10-25 is the last Sunday of October: 03:00 CEST falls back to 02:00 CET.
  Schedule schedule = Berlin("30 2 * * *");
  const TimePoint first = Utc(2026, 10, 25, 0, 30);  // 02:30 CEST
  EXPECT_EQ(schedule.NextCronFire(Utc(2026, 10, 24, 12, 0)), first);
  EXPECT_EQ(schedule.NextCronFire(first), Utc(2026, 10, 26, 1, 30));  // Monday 02:30 CET
  // Asked during the second pass (02:10 CET), the 02:30 of that day has already fired.
  EXPECT_EQ(schedule.NextCronFire(Utc(2026, 10, 25, 1, 10)), Utc(2026, 10, 26, 1, 30));
}

TEST(ScheduleTest, CronTimesAreLocalTimes) {
  Schedule schedule = Berlin("0 9 * * *");
  EXPECT_EQ(schedule.NextCronFire(Utc(2026, 1, 1)), Utc(2026, 1, 1, 8, 0));  // CET = UTC+1
  EXPECT_EQ(schedule.NextCronFire(Utc(2026, 7, 1)), Utc(2026, 7, 1, 7, 0));  // CEST = UTC+2
}

TEST(ScheduleTest, WindowsAreLocalDaysAndHours) {
  Schedule schedule = Berlin();
  Window weekdays;
  weekdays.days = *ParseDaysOfWeek("Mon-Fri");
  weekdays.start_minute = 9 * 60;
  weekdays.end_minute = 17 * 60;
  schedule.windows = {weekdays};
  // 2026-01-02 is a Friday; 09:00 CET is 08:00 UTC.
  EXPECT_FALSE(schedule.InsideWindows(Utc(2026, 1, 2, 7, 59)));
  EXPECT_TRUE(schedule.InsideWindows(Utc(2026, 1, 2, 8, 0)));
  EXPECT_TRUE(schedule.InsideWindows(Utc(2026, 1, 2, 15, 59)));
  EXPECT_FALSE(schedule.InsideWindows(Utc(2026, 1, 2, 16, 0)));  // 17:00: the end is excluded
  EXPECT_FALSE(schedule.InsideWindows(Utc(2026, 1, 3, 10, 0)));  // Saturday
  EXPECT_EQ(schedule.NextInsideWindows(Utc(2026, 1, 2, 16, 0)), Utc(2026, 1, 5, 8, 0));
  EXPECT_EQ(schedule.NextInsideWindows(Utc(2026, 1, 2, 10, 0)), Utc(2026, 1, 2, 10, 0));
}

TEST(ScheduleTest, AWindowOpeningInTheDstGapOpensWhenTheClocksJump) {
  Schedule schedule = Berlin();
  Window night;
  night.days = *ParseDaysOfWeek("Sun");
  night.start_minute = 2 * 60 + 15;
  night.end_minute = 4 * 60;
  schedule.windows = {night};
  EXPECT_EQ(schedule.NextInsideWindows(Utc(2026, 3, 28, 23, 0)), Utc(2026, 3, 29, 1, 0));
}

}  // namespace
}  // namespace rebound::controller::chaos
