#include "controller/notify/slack_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace rebound::controller::notify {
namespace {

// Throws (failing the test) when `text` is not valid UTF-8.
void ExpectValidUtf8(const std::string& text) {
  EXPECT_NO_THROW((void)nlohmann::json(text).dump()) << text;
}

TEST(SlackTextTest, EscapesOnlySlackControlCharacters) {
  EXPECT_EQ(EscapeMrkdwn("<!channel> & <http://x|y> *bold* 'q'"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt; *bold* 'q'");
  EXPECT_EQ(EscapeMrkdwn("&amp;"), "&amp;amp;");
}

TEST(SlackTextTest, CountsCharactersAsUtf16Units) {
  EXPECT_EQ(SlackLength("abc"), 3u);
  EXPECT_EQ(SlackLength("é"), 1u);
  EXPECT_EQ(SlackLength("…"), 1u);
  EXPECT_EQ(SlackLength("😀"), 2u);  // outside the BMP: a surrogate pair
  EXPECT_EQ(SlackLength("\xff\xfe"), 2u);
}

TEST(SlackTextTest, KeepsTextThatFits) {
  EXPECT_EQ(TruncatePlainText("hello", 5), "hello");
  EXPECT_EQ(TruncateMrkdwn("a &amp; b", 9), "a &amp; b");
}

TEST(SlackTextTest, CutsToTheLimitWithAnEllipsis) {
  std::string cut = TruncatePlainText("abcdefghij", 5);
  EXPECT_EQ(cut, "abcd…");
  EXPECT_EQ(SlackLength(cut), 5u);
  EXPECT_EQ(TruncatePlainText("abc", 0), "");
}

TEST(SlackTextTest, NeverCutsInsideACodePoint) {
  std::string cut = TruncatePlainText("éééééé", 3);
  EXPECT_EQ(cut, "éé…");
  ExpectValidUtf8(cut);
  // A pair that would end one unit over the limit is left out whole.
  cut = TruncatePlainText("😀😀😀", 4);
  EXPECT_EQ(cut, "😀…");
  ExpectValidUtf8(cut);
}

TEST(SlackTextTest, NeverCutsInsideAnEntity) {
  std::string escaped = EscapeMrkdwn("aaaa&bbb");  // "aaaa&amp;bbb"
  EXPECT_EQ(TruncateMrkdwn(escaped, 7), "aaaa…");
  EXPECT_EQ(TruncateMrkdwn(escaped, 11), "aaaa&amp;b…");
  EXPECT_EQ(TruncateMrkdwn(escaped, 10), "aaaa&amp;…");
}

TEST(SlackTextTest, ASequenceCutShortAtTheEndCountsOnce) {
  const std::string text = "ab\xe2\x82";  // the last code point lacks its third byte
  EXPECT_EQ(SlackLength(text), 3u);
  EXPECT_EQ(TruncatePlainText(text, 3), text);
  EXPECT_EQ(TruncatePlainText(text, 2), "a…");
}

}  // namespace
}  // namespace rebound::controller::notify
