#include "common/time_format.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rebound::common {
namespace {

using ::testing::StartsWith;

// Unix seconds below were computed independently (Python calendar.timegm).
constexpr int64_t k20261122T050509 = 1795323909;
constexpr int64_t k00010101 = -62135596800;
constexpr int64_t k99991231T235959 = 253402300799;

Timestamp MustParse(std::string_view text) {
  auto result = ParseRfc3339(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
  return result.ok() ? *result : Timestamp{};
}

void ExpectRejected(std::string_view text) {
  auto result = ParseRfc3339(text);
  EXPECT_FALSE(result.ok()) << "accepted \"" << text << "\"";
  if (result.ok()) return;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), StartsWith("invalid RFC 3339 timestamp"));
}

TEST(ParseRfc3339Test, ParsesUtcWithMilliseconds) {
  EXPECT_EQ(MustParse("2026-11-22T05:05:09.653Z"), (Timestamp{k20261122T050509, 653'000'000}));
}

TEST(ParseRfc3339Test, ParsesEpochAndInstantsBeforeIt) {
  EXPECT_EQ(MustParse("1970-01-01T00:00:00Z"), (Timestamp{0, 0}));
  // Nanos stay positive: half a second before the epoch is -1 s + 0.5 s.
  EXPECT_EQ(MustParse("1969-12-31T23:59:59.5Z"), (Timestamp{-1, 500'000'000}));
}

TEST(ParseRfc3339Test, AcceptsZeroToNineFractionalDigits) {
  const std::pair<const char*, int32_t> cases[] = {
      {"2026-11-22T05:05:09Z", 0},
      {"2026-11-22T05:05:09.1Z", 100'000'000},
      {"2026-11-22T05:05:09.12Z", 120'000'000},
      {"2026-11-22T05:05:09.123Z", 123'000'000},
      {"2026-11-22T05:05:09.1234Z", 123'400'000},
      {"2026-11-22T05:05:09.12345Z", 123'450'000},
      {"2026-11-22T05:05:09.123456Z", 123'456'000},
      {"2026-11-22T05:05:09.1234567Z", 123'456'700},
      {"2026-11-22T05:05:09.12345678Z", 123'456'780},
      {"2026-11-22T05:05:09.123456789Z", 123'456'789},
      {"2026-11-22T05:05:09.000000001Z", 1},
      {"2026-11-22T05:05:09.000Z", 0},
  };
  for (const auto& [text, nanos] : cases) {
    EXPECT_EQ(MustParse(text), (Timestamp{k20261122T050509, nanos})) << text;
  }
}

TEST(ParseRfc3339Test, RejectsTenFractionalDigitsAndEmptyFraction) {
  ExpectRejected("2026-11-22T05:05:09.1234567890Z");
  ExpectRejected("2026-11-22T05:05:09.Z");
}

TEST(ParseRfc3339Test, AppliesNumericOffsets) {
  const Timestamp expected{k20261122T050509, 653'000'000};
  EXPECT_EQ(MustParse("2026-11-22T07:05:09.653+02:00"), expected);
  EXPECT_EQ(MustParse("2026-11-21T23:35:09.653-05:30"), expected);
  EXPECT_EQ(MustParse("2026-11-22T05:05:09.653+00:00"), expected);
  EXPECT_EQ(MustParse("2026-11-22T05:05:09.653-00:00"), expected);
  EXPECT_EQ(MustParse("2026-11-23T05:04:09.653+23:59"), expected);
  // RFC 3339 allows lower-case separators.
  EXPECT_EQ(MustParse("2026-11-22t05:05:09.653z"), expected);
}

TEST(ParseRfc3339Test, RejectsMalformedOffsets) {
  ExpectRejected("2026-11-22T05:05:09+0200");
  ExpectRejected("2026-11-22T05:05:09+02");
  ExpectRejected("2026-11-22T05:05:09+24:00");
  ExpectRejected("2026-11-22T05:05:09+02:60");
  ExpectRejected("2026-11-22T05:05:09");
  ExpectRejected("2026-11-22T05:05:09 +02:00");
}

TEST(ParseRfc3339Test, ParsesAlertmanagerZeroTime) {
  const Timestamp zero = MustParse("0001-01-01T00:00:00Z");
  EXPECT_EQ(zero, (Timestamp{k00010101, 0}));
  EXPECT_EQ(zero, Timestamp::Zero());
  EXPECT_TRUE(zero.IsZero());
  EXPECT_FALSE((Timestamp{0, 0}).IsZero());
  EXPECT_EQ(FormatRfc3339(Timestamp::Zero()), "0001-01-01T00:00:00Z");
}

TEST(ParseRfc3339Test, ParsesLastRepresentableInstant) {
  const Timestamp last = MustParse("9999-12-31T23:59:59.999999999Z");
  EXPECT_EQ(last, (Timestamp{k99991231T235959, 999'999'999}));
  EXPECT_EQ(FormatRfc3339(last), "9999-12-31T23:59:59.999999999Z");
}

// Found by tests/fuzz/payload_fuzz: these parsed to instants whose canonical form has year 0 or
// 10000, which ParseRfc3339 then refused to read back.
TEST(ParseRfc3339Test, RejectsOffsetsThatLeaveYearsOneTo9999) {
  ExpectRejected("0001-01-01T00:00:00+01:00");
  ExpectRejected("9999-12-31T23:30:00-01:00");
  EXPECT_EQ(MustParse("0001-01-01T01:00:00+01:00"), Timestamp::Zero());
  EXPECT_EQ(MustParse("9999-12-31T22:59:59-01:00"), (Timestamp{k99991231T235959, 0}));
}

TEST(ParseRfc3339Test, RejectsImpossibleDatesAndTimes) {
  for (const char* text : {
           "2026-02-29T00:00:00Z",  // not a leap year
           "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
           "0000-01-01T00:00:00Z",  // year 0 does not exist in RFC 3339's range
           "2026-11-22T24:00:00Z", "2026-11-22T23:60:00Z",
           "2026-11-22T23:59:60Z",  // leap seconds are not accepted
       }) {
    ExpectRejected(text);
  }
}

TEST(ParseRfc3339Test, HonoursGregorianLeapYearRules) {
  EXPECT_EQ(MustParse("2024-02-29T23:59:59Z"), (Timestamp{1709251199, 0}));
  EXPECT_EQ(MustParse("2000-02-29T12:00:00Z"), (Timestamp{951825600, 0}));  // divisible by 400
  ExpectRejected("1900-02-29T00:00:00Z");                                   // divisible by 100
  ExpectRejected("2100-02-29T00:00:00Z");
  // The day after Feb 28 in a common year is Mar 1.
  EXPECT_EQ(MustParse("2026-03-01T00:00:00Z").seconds - MustParse("2026-02-28T00:00:00Z").seconds,
            86400);
  EXPECT_EQ(MustParse("2024-03-01T00:00:00Z").seconds - MustParse("2024-02-28T00:00:00Z").seconds,
            2 * 86400);
}

TEST(ParseRfc3339Test, RejectsGarbage) {
  for (const char* text : {
           "",
           "now",
           "2026-11-22",
           "2026-11-22T05:05Z",
           "2026-11-22 05:05:09Z",
           "2026-11-22T05:05:09Z ",
           " 2026-11-22T05:05:09Z",
           "2026-11-22T05:05:09.653Zjunk",
           "2026-1-22T05:05:09Z",
           "+2026-11-22T05:05:09Z",
           "20261122T050509Z",
           "1795323909",
           "2026-11-22T05:05:09.-1Z",
       }) {
    ExpectRejected(text);
  }
}

TEST(ParseRfc3339Test, ErrorMessageQuotesAShortPrefixCutBetweenCharacters) {
  // 63 ASCII bytes then "é" (two bytes): cutting at 64 bytes would split it.
  const std::string text = std::string(63, '9') + "\xC3\xA9" + std::string(1000, 'x');
  auto result = ParseRfc3339(text);
  ASSERT_FALSE(result.ok());
  const std::string& message = result.status().message();
  EXPECT_LT(message.size(), 150u);
  EXPECT_EQ(message.find('\xC3'), std::string::npos) << message;
  EXPECT_THAT(message, StartsWith("invalid RFC 3339 timestamp \"" + std::string(63, '9') + "\""));
}

TEST(FormatRfc3339Test, TrimsTrailingZerosOfTheFraction) {
  EXPECT_EQ(FormatRfc3339({k20261122T050509, 0}), "2026-11-22T05:05:09Z");
  EXPECT_EQ(FormatRfc3339({k20261122T050509, 653'000'000}), "2026-11-22T05:05:09.653Z");
  EXPECT_EQ(FormatRfc3339({k20261122T050509, 554'606'412}), "2026-11-22T05:05:09.554606412Z");
  EXPECT_EQ(FormatRfc3339({k20261122T050509, 7}), "2026-11-22T05:05:09.000000007Z");
  EXPECT_EQ(FormatRfc3339({k20261122T050509, 100'000'000}), "2026-11-22T05:05:09.1Z");
}

TEST(FormatRfc3339Test, FormatsInstantsBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339({-1, 500'000'000}), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(FormatRfc3339({-86400, 0}), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatRfc3339({-86401, 0}), "1969-12-30T23:59:59Z");
}

TEST(FormatRfc3339Test, NormalisesOffsetsToUtc) {
  EXPECT_EQ(FormatRfc3339(MustParse("2026-11-22T07:05:09.653+02:00")), "2026-11-22T05:05:09.653Z");
  EXPECT_EQ(FormatRfc3339(MustParse("2027-01-01T00:30:00+01:00")), "2026-12-31T23:30:00Z");
}

TEST(FormatRfc3339Test, RoundTripsAcrossTheWholeRange) {
  // A prime stride visits every month, day and time-of-day pattern between years 1 and 9999.
  constexpr int64_t kStride = 7'919'993;
  int checked = 0;
  for (int64_t s = k00010101; s <= k99991231T235959; s += kStride) {
    const Timestamp ts{s, static_cast<int32_t>((s - k00010101) % 1'000'000'000)};
    const std::string text = FormatRfc3339(ts);
    auto parsed = ParseRfc3339(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    ASSERT_EQ(*parsed, ts) << text;
    ++checked;
  }
  EXPECT_GT(checked, 39'000);
}

TEST(FormatRfc3339Test, ParseOfFormatIsIdentityOnCanonicalStrings) {
  for (const char* text : {"2026-11-22T05:05:09.653Z", "0001-01-01T00:00:00Z",
                           "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00.000000001Z"}) {
    EXPECT_EQ(FormatRfc3339(MustParse(text)), text);
  }
}

TEST(TimestampTest, UnixNanosAndSaturation) {
  EXPECT_EQ((Timestamp{1, 5}).UnixNanos(), 1'000'000'005);
  EXPECT_EQ((Timestamp{-1, 500'000'000}).UnixNanos(), -500'000'000);
  EXPECT_EQ(Timestamp::Zero().UnixNanos(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ((Timestamp{k99991231T235959, 0}).UnixNanos(), std::numeric_limits<int64_t>::max());
}

TEST(TimestampTest, FromTimePointKeepsNanosNonNegative) {
  using std::chrono::system_clock;
  const auto before_epoch = system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(-1'500'000'000)));
  EXPECT_EQ(Timestamp::FromTimePoint(before_epoch), (Timestamp{-2, 500'000'000}));
  const auto after_epoch =
      system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
          std::chrono::seconds(k20261122T050509) + std::chrono::milliseconds(653)));
  EXPECT_EQ(Timestamp::FromTimePoint(after_epoch), (Timestamp{k20261122T050509, 653'000'000}));
}

TEST(TimestampTest, OrdersBySecondsThenNanos) {
  EXPECT_LT((Timestamp{1, 999'999'999}), (Timestamp{2, 0}));
  EXPECT_LT((Timestamp{2, 0}), (Timestamp{2, 1}));
  EXPECT_LT(Timestamp::Zero(), (Timestamp{0, 0}));
}

}  // namespace
}  // namespace rebound::common
