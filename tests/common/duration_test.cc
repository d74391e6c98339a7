#include "common/duration.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rebound::common {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kYear = 365 * kDay;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

int64_t MustParseDuration(std::string_view text) {
  auto result = ParseDuration(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
  return result.ok() ? result->count() : -1;
}

std::string DurationParseError(std::string_view text) {
  auto result = ParseDuration(text);
  EXPECT_FALSE(result.ok()) << "accepted \"" << text << "\" as " << result->count() << "ms";
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), StartsWith("invalid duration \""));
  return result.status().message();
}

TEST(ParseDurationTest, ParsesEachUnit) {
  EXPECT_EQ(MustParseDuration("30s"), 30 * kSecond);
  EXPECT_EQ(MustParseDuration("5m"), 5 * kMinute);
  EXPECT_EQ(MustParseDuration("250ms"), 250);
  EXPECT_EQ(MustParseDuration("3h"), 3 * kHour);
  EXPECT_EQ(MustParseDuration("2d"), 2 * kDay);
  EXPECT_EQ(MustParseDuration("1w"), kWeek);
  EXPECT_EQ(MustParseDuration("1y"), kYear);
}

TEST(ParseDurationTest, ParsesCombinationsFromLargestToSmallest) {
  EXPECT_EQ(MustParseDuration("1h30m"), kHour + 30 * kMinute);
  EXPECT_EQ(MustParseDuration("1m30ms"), kMinute + 30);
  EXPECT_EQ(MustParseDuration("1y2w3d4h5m6s7ms"),
            kYear + 2 * kWeek + 3 * kDay + 4 * kHour + 5 * kMinute + 6 * kSecond + 7);
  // Prometheus does not normalise: 90m is valid.
  EXPECT_EQ(MustParseDuration("90m"), 90 * kMinute);
}

TEST(ParseDurationTest, ParsesZero) {
  EXPECT_EQ(MustParseDuration("0"), 0);
  EXPECT_EQ(MustParseDuration("0s"), 0);
  EXPECT_EQ(MustParseDuration("0h0m"), 0);
  EXPECT_EQ(MustParseDuration("007s"), 7 * kSecond);
}

TEST(ParseDurationTest, RejectsEmptyAndUnitless) {
  EXPECT_THAT(DurationParseError(""), HasSubstr("empty"));
  EXPECT_THAT(DurationParseError("5"), HasSubstr("missing unit"));
  EXPECT_THAT(DurationParseError("1m30"), HasSubstr("missing unit"));
  EXPECT_THAT(DurationParseError("m"), HasSubstr("expected a number"));
}

TEST(ParseDurationTest, RejectsUnitsOutOfOrderOrRepeated) {
  EXPECT_THAT(DurationParseError("1m1h"), HasSubstr("largest to smallest"));
  EXPECT_THAT(DurationParseError("1s1s"), HasSubstr("largest to smallest"));
  EXPECT_THAT(DurationParseError("1ms1s"), HasSubstr("largest to smallest"));
  EXPECT_THAT(DurationParseError("1d1y"), HasSubstr("largest to smallest"));
}

TEST(ParseDurationTest, RejectsFractionsSignsAndUnknownUnits) {
  DurationParseError("1.5h");
  DurationParseError("-5m");
  DurationParseError("+5m");
  DurationParseError(" 5m");
  DurationParseError("5m ");
  EXPECT_THAT(DurationParseError("5M"), HasSubstr("unknown unit \"M\""));
  EXPECT_THAT(DurationParseError("5sec"), HasSubstr("unknown unit \"sec\""));
  EXPECT_THAT(DurationParseError("5us"), HasSubstr("unknown unit \"us\""));
}

TEST(ParseDurationTest, AcceptsTheLargestValue) {
  EXPECT_EQ(MustParseDuration("9223372036854775807ms"), kMax);
  // 292471208 years plus 247 days is the largest whole-day value that fits.
  EXPECT_EQ(MustParseDuration("292471208y247d"), 292471208 * kYear + 247 * kDay);
}

TEST(ParseDurationTest, RejectsOverflow) {
  EXPECT_THAT(DurationParseError("9223372036854775808ms"), HasSubstr("too large"));
  EXPECT_THAT(DurationParseError("99999999999999999999999s"), HasSubstr("too large"));
  // Each term fits on its own: the product overflows.
  EXPECT_THAT(DurationParseError("9223372036854776s"), HasSubstr("too large"));
  // Each term fits on its own: the sum overflows.
  EXPECT_THAT(DurationParseError("292471208y248d"), HasSubstr("too large"));
}

TEST(FormatDurationTest, FormatsPrometheusStyle) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(30 * kSecond)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(90 * kMinute)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(kMinute + kSecond + 1)), "1m1s1ms");
  EXPECT_EQ(FormatDuration(milliseconds(kHour + kSecond)), "1h1s");
  EXPECT_EQ(FormatDuration(milliseconds(2 * kDay)), "2d");
}

TEST(FormatDurationTest, UsesWeeksAndYearsOnlyWhenExact) {
  EXPECT_EQ(FormatDuration(milliseconds(kYear)), "1y");
  EXPECT_EQ(FormatDuration(milliseconds(2 * kWeek)), "2w");
  EXPECT_EQ(FormatDuration(milliseconds(8 * kDay)), "8d");
  EXPECT_EQ(FormatDuration(milliseconds(366 * kDay)), "366d");
  EXPECT_EQ(FormatDuration(milliseconds(kWeek + kSecond)), "7d1s");
}

TEST(FormatDurationTest, PrefixesNegativeValuesWithMinus) {
  EXPECT_EQ(FormatDuration(milliseconds(-90 * kSecond)), "-1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(-1)), "-1ms");
  // The magnitude of the most negative value does not fit in int64_t.
  EXPECT_EQ(FormatDuration(milliseconds::min()), "-106751991167d7h12m55s808ms");
  EXPECT_FALSE(ParseDuration(FormatDuration(milliseconds(-1))).ok());
}

TEST(FormatDurationTest, ParseReadsBackWhatFormatWrites) {
  const int64_t values[] = {0,
                            1,
                            999,
                            kSecond,
                            kMinute + 1,
                            kHour * 25,
                            kWeek,
                            kWeek + kDay,
                            kYear,
                            kYear + kWeek,
                            3 * kYear + 17 * kDay + 3 * kHour + 2 * kMinute + 1 * kSecond + 500,
                            kMax};
  for (int64_t v : values) {
    const std::string text = FormatDuration(milliseconds(v));
    EXPECT_EQ(MustParseDuration(text), v) << text;
  }
  // A stride through the whole positive range.
  for (int64_t v = 0; v < kMax - kMax / 1000; v += kMax / 1000 + 12345) {
    const std::string text = FormatDuration(milliseconds(v));
    ASSERT_EQ(MustParseDuration(text), v) << text;
  }
}

}  // namespace
}  // namespace rebound::common
