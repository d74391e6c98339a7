#include "common/html_escape.h"

#include <gtest/gtest.h>

namespace rebound::common {
namespace {

TEST(HtmlEscapeTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(HtmlEscape("&<>\"'"), "&amp;&lt;&gt;&quot;&#39;");
}

TEST(HtmlEscapeTest, AScriptElementBecomesText) {
  EXPECT_EQ(HtmlEscape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
}

TEST(HtmlEscapeTest, QuotesCannotLeaveAnAttributeValue) {
  EXPECT_EQ(HtmlEscape("x\" onmouseover=\"alert(1)"), "x&quot; onmouseover=&quot;alert(1)");
  EXPECT_EQ(HtmlEscape("x' onmouseover='alert(1)"), "x&#39; onmouseover=&#39;alert(1)");
}

TEST(HtmlEscapeTest, EscapesAnAmpersandOnlyOnce) { EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;"); }

TEST(HtmlEscapeTest, LeavesOtherTextAndUtf8AsItIs) {
  EXPECT_EQ(HtmlEscape(""), "");
  EXPECT_EQ(HtmlEscape("Deployment shop/web: 3 ≥ 2 (ok)"), "Deployment shop/web: 3 ≥ 2 (ok)");
  EXPECT_EQ(HtmlEscape(std::string_view("a\0b", 3)), std::string("a\0b", 3));
}

}  // namespace
}  // namespace rebound::common
