#include "controller/chaos/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rebound::controller::chaos {
namespace {

using std::chrono::local_days;
using std::chrono::local_seconds;
using ::testing::HasSubstr;

local_seconds At(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
  return local_days(std::chrono::year(y) / m / d) + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

CronSchedule Cron(const std::string& text) {
  common::Result<CronSchedule> cron = CronSchedule::Parse(text);
  EXPECT_TRUE(cron.ok()) << text << ": " << cron.status().message();
  return cron.ok() ? *cron : *CronSchedule::Parse("* * * * *");
}

std::string ErrorOf(const std::string& text) {
  common::Result<CronSchedule> cron = CronSchedule::Parse(text);
  EXPECT_FALSE(cron.ok()) << text << " parsed";
  return cron.ok() ? "" : cron.status().message();
}

TEST(CronTest, EveryThirtyMinutes) {
  CronSchedule cron = Cron("*/30 * * * *");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 10, 0)), At(2026, 1, 1, 10, 30));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 10, 29) + std::chrono::seconds(59)),
            At(2026, 1, 1, 10, 30));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 23, 45)), At(2026, 1, 2, 0, 0));
}

TEST(CronTest, StepsOverARangeStartAtItsLowEnd) {
  CronSchedule cron = Cron("10-50/20 9-17/4 * * *");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 0, 0)), At(2026, 1, 1, 9, 10));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 9, 10)), At(2026, 1, 1, 9, 30));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 9, 50)), At(2026, 1, 1, 13, 10));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 17, 50)), At(2026, 1, 2, 9, 10));
}

TEST(CronTest, ListsAndRangesCombine) {
  CronSchedule cron = Cron("0,15 1-2,5 * * *");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 1, 15)), At(2026, 1, 1, 2, 0));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1, 2, 15)), At(2026, 1, 1, 5, 0));
}

TEST(CronTest, TheThirtyFirstSkipsShortMonths) {
  CronSchedule cron = Cron("0 0 31 * *");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 31)), At(2026, 3, 31));
  EXPECT_EQ(cron.NextAfter(At(2026, 3, 31)), At(2026, 5, 31));
}

TEST(CronTest, FebruaryTwentyNinthFiresOnlyInLeapYears) {
  CronSchedule cron = Cron("0 12 29 FEB *");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1)), At(2028, 2, 29, 12, 0));
  EXPECT_EQ(cron.NextAfter(At(2024, 1, 1)), At(2024, 2, 29, 12, 0));
  // 2100 is not a leap year: the next after 2096 is 2104.
  EXPECT_EQ(cron.NextAfter(At(2096, 3, 1)), At(2104, 2, 29, 12, 0));
}

TEST(CronTest, MonthEndsRollIntoTheNextYear) {
  CronSchedule cron = Cron("59 23 31 12 *");
  EXPECT_EQ(cron.NextAfter(At(2026, 12, 31, 23, 59)), At(2027, 12, 31, 23, 59));
}

TEST(CronTest, NamesAreCaseInsensitive) {
  CronSchedule names = Cron("0 9 * jan-Mar MON-fri");
  CronSchedule numbers = Cron("0 9 * 1-3 1-5");
  for (local_seconds t = At(2026, 1, 1); t < At(2026, 5, 1); t += std::chrono::hours(13)) {
    EXPECT_EQ(names.NextAfter(t), numbers.NextAfter(t));
  }
  EXPECT_EQ(names.NextAfter(At(2026, 3, 31, 9, 0)), At(2027, 1, 1, 9, 0));  // 2027-01-01 Friday
}

TEST(CronTest, ZeroAndSevenAreBothSunday) {
  CronSchedule zero = Cron("0 0 * * 0");
  CronSchedule seven = Cron("0 0 * * 7");
  CronSchedule sun = Cron("0 0 * * SUN");
  // 2026-01-04 is a Sunday.
  EXPECT_EQ(zero.NextAfter(At(2026, 1, 1)), At(2026, 1, 4));
  EXPECT_EQ(seven.NextAfter(At(2026, 1, 1)), At(2026, 1, 4));
  EXPECT_EQ(sun.NextAfter(At(2026, 1, 1)), At(2026, 1, 4));
  EXPECT_EQ(Cron("0 0 * * 5-7").NextAfter(At(2026, 1, 3)), At(2026, 1, 4));  // Fri-Sun
}

TEST(CronTest, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 13th, or any Friday: 2026-01-02 is a Friday, then the 9th, then the 13th (a Tuesday).
  CronSchedule cron = Cron("0 0 13 * FRI");
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 1)), At(2026, 1, 2));
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 9)), At(2026, 1, 13));
  EXPECT_TRUE(cron.Matches(At(2026, 1, 16)));
  EXPECT_FALSE(cron.Matches(At(2026, 1, 14)));
}

TEST(CronTest, AFieldStartingWithAStarDoesNotTriggerTheOrRule) {
  // crontab(5): */2 starts with '*', so odd days AND Mondays.
  CronSchedule cron = Cron("0 0 */2 * MON");
  EXPECT_FALSE(cron.Matches(At(2026, 1, 12)));  // Monday the 12th: even
  EXPECT_FALSE(cron.Matches(At(2026, 1, 13)));  // odd, Tuesday
  EXPECT_TRUE(cron.Matches(At(2026, 1, 5)));    // Monday the 5th
  EXPECT_EQ(cron.NextAfter(At(2026, 1, 5)), At(2026, 1, 19));
}

TEST(CronTest, Macros) {
  EXPECT_EQ(Cron("@yearly").NextAfter(At(2026, 5, 5)), At(2027, 1, 1));
  EXPECT_EQ(Cron("@annually").NextAfter(At(2026, 5, 5)), At(2027, 1, 1));
  EXPECT_EQ(Cron("@monthly").NextAfter(At(2026, 5, 5)), At(2026, 6, 1));
  EXPECT_EQ(Cron("@weekly").NextAfter(At(2026, 1, 1)), At(2026, 1, 4));
  EXPECT_EQ(Cron("@daily").NextAfter(At(2026, 1, 1, 5)), At(2026, 1, 2));
  EXPECT_EQ(Cron("@MIDNIGHT").NextAfter(At(2026, 1, 1, 5)), At(2026, 1, 2));
  EXPECT_EQ(Cron("@hourly").NextAfter(At(2026, 1, 1, 5, 1)), At(2026, 1, 1, 6, 0));
}

TEST(CronTest, MayFireOnAndFiresAtDescribeTheWeek) {
  CronSchedule weekdays = Cron("30 9 * * MON-FRI");
  EXPECT_TRUE(weekdays.MayFireOn(std::chrono::Monday));
  EXPECT_FALSE(weekdays.MayFireOn(std::chrono::Sunday));
  EXPECT_TRUE(weekdays.FiresAt(9, 30));
  EXPECT_FALSE(weekdays.FiresAt(9, 31));
  // Under the OR rule the 1st can be any weekday.
  EXPECT_TRUE(Cron("0 0 1 * MON").MayFireOn(std::chrono::Sunday));
}

TEST(CronTest, InvalidExpressionsSayWhatIsWrong) {
  EXPECT_THAT(ErrorOf("* * * *"), HasSubstr("has 4 field(s); a cron schedule has 5"));
  EXPECT_THAT(ErrorOf("60 * * * *"), HasSubstr("minute \"60\": 60 is outside 0-59"));
  EXPECT_THAT(ErrorOf("0 24 * * *"), HasSubstr("hour \"24\": 24 is outside 0-23"));
  EXPECT_THAT(ErrorOf("0 0 32 * *"), HasSubstr("day-of-month \"32\": 32 is outside 1-31"));
  EXPECT_THAT(ErrorOf("0 0 0 * *"), HasSubstr("day-of-month \"0\": 0 is outside 1-31"));
  EXPECT_THAT(ErrorOf("0 0 * 13 *"), HasSubstr("month \"13\""));
  EXPECT_THAT(ErrorOf("0 0 * * 8"), HasSubstr("day-of-week \"8\": 8 is outside 0-7"));
  EXPECT_THAT(ErrorOf("0 0 * JANUARY *"),
              HasSubstr("\"JANUARY\" is not a number 1-12 or a name jan-dec"));
  EXPECT_THAT(ErrorOf("0 0 * * FUN"), HasSubstr("\"FUN\" is not a number 0-7 or a name sun-sat"));
  EXPECT_THAT(ErrorOf("*/0 * * * *"), HasSubstr("a step is a whole number of at least 1"));
  EXPECT_THAT(ErrorOf("*/60 * * * *"), HasSubstr("step 60 is larger than the field's range 0-59"));
  EXPECT_THAT(ErrorOf("5/15 * * * *"), HasSubstr("a step needs a range: write 5-59/15"));
  EXPECT_THAT(ErrorOf("0 0 * * FRI-MON"), HasSubstr("runs backwards"));
  EXPECT_THAT(ErrorOf("1,,2 * * * *"), HasSubstr("empty item in a list"));
  EXPECT_THAT(ErrorOf("0 0 30 FEB *"), HasSubstr("never fires"));
  EXPECT_THAT(ErrorOf("0 0 31 4,6,9,11 *"), HasSubstr("never fires"));
  EXPECT_THAT(ErrorOf("@reboot"), HasSubstr("unknown macro \"@reboot\""));
  EXPECT_THAT(ErrorOf("@every 5m"), HasSubstr("`every:`"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("has 0 field(s)"));
}

TEST(CronTest, FebruaryThirtiethWithARestrictedWeekdayStillFires) {
  // OR rule: the weekday alone selects days, so the impossible date does not matter.
  EXPECT_EQ(Cron("0 0 30 FEB MON").NextAfter(At(2026, 1, 31)), At(2026, 2, 2));
}

TEST(CronTest, DaysOfWeekForWindows) {
  common::Result<std::bitset<7>> days = ParseDaysOfWeek("Mon-Fri");
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(days->to_string(), "0111110");
  EXPECT_EQ(ParseDaysOfWeek("sat,SUN")->to_string(), "1000001");
  EXPECT_EQ(ParseDaysOfWeek("7")->to_string(), "0000001");
  EXPECT_FALSE(ParseDaysOfWeek("Mon-Fry").ok());
}

}  // namespace
}  // namespace rebound::controller::chaos
