#include "common/percent_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace rebound::common {
namespace {

TEST(PercentEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("AZaz09-._~ /%"), "AZaz09-._~%20%2F%25");
  EXPECT_EQ(PercentEncode("app=web,tier in (a, b),!canary"),
            "app%3Dweb%2Ctier%20in%20%28a%2C%20b%29%2C%21canary");
  EXPECT_EQ(PercentEncode("+&?#@:"), "%2B%26%3F%23%40%3A");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncodeTest, EncodesEveryByteIncludingNulAndUtf8) {
  EXPECT_EQ(PercentEncode(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(PercentEncode("é"), "%C3%A9");
  EXPECT_EQ(PercentEncode("\xff"), "%FF");
}

TEST(PercentEncodeTest, ReadsOnlyTheViewNotPastIt) {
  std::string_view prefix = std::string_view("a b;ignored").substr(0, 3);
  EXPECT_EQ(PercentEncode(prefix), "a%20b");
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsPlus) {
  EXPECT_EQ(PercentDecode("p%40ss%3a1").value(), "p@ss:1");
  EXPECT_EQ(PercentDecode("a+b%20c").value(), "a+b c");
  EXPECT_EQ(PercentDecode("a%00b").value(), std::string("a\0b", 3));
  EXPECT_EQ(PercentDecode("").value(), "");
}

TEST(PercentDecodeTest, RefusesAPercentWithoutTwoHexDigits) {
  for (const char* bad : {"%", "a%4", "%zz", "%4g", "100%", "%%41"}) {
    Result<std::string> decoded = PercentDecode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("percent-encoding at offset"), std::string::npos)
        << decoded.status().message();
  }
}

TEST(FormDecodeTest, PlusIsASpaceAndABadEscapeStandsForItself) {
  EXPECT_EQ(FormDecode("state=open+now%2Bthen"), "state=open now+then");
  EXPECT_EQ(FormDecode("100%"), "100%");
  EXPECT_EQ(FormDecode("%zz%41"), "%zzA");
  EXPECT_EQ(FormDecode("%4"), "%4");
}

TEST(PercentEncodingTest, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(PercentDecode(PercentEncode(all)).value(), all);
  EXPECT_EQ(FormDecode(PercentEncode(all)), all);
}

// Long texts go to curl in pieces; an escape that straddles a piece boundary stays whole.
TEST(PercentEncodingTest, RoundTripsTextsLongerThanOnePiece) {
  std::string long_text;
  for (int i = 0; i < (3 << 20) / 2; ++i) long_text += (i % 2 == 0) ? "/" : "a";
  std::string encoded = PercentEncode(long_text);
  ASSERT_EQ(encoded.size(), long_text.size() / 2 * 4);
  EXPECT_EQ(PercentDecode(encoded).value(), long_text);
  EXPECT_EQ(FormDecode(encoded), long_text);
}

}  // namespace
}  // namespace rebound::common
