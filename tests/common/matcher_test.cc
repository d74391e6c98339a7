#include "common/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace rebound::common {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// What a parsed matcher should be, written as name, operator and unquoted value.
struct Expected {
  std::string name;
  MatchType type;
  std::string value;
};

std::vector<Expected> Describe(const Matchers& matchers) {
  std::vector<Expected> out;
  for (const Matcher& m : matchers.matchers()) out.push_back({m.name(), m.type(), m.value()});
  return out;
}

bool operator==(const Expected& a, const Expected& b) {
  return a.name == b.name && a.type == b.type && a.value == b.value;
}

void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.name << MatchOperator(e.type) << "[" << e.value << "]";
}

Matcher MustCreate(std::string name, MatchType type, std::string value) {
  auto m = Matcher::Create(name, type, value);
  EXPECT_TRUE(m.ok()) << name << MatchOperator(type) << value << ": " << m.status().ToString();
  return m.ok() ? *m : *Matcher::Create("unused", MatchType::kEqual, "");
}

Matcher MustParseMatcher(std::string_view text) {
  auto m = Matcher::Parse(text);
  EXPECT_TRUE(m.ok()) << text << ": " << m.status().ToString();
  return m.ok() ? *m : *Matcher::Create("unused", MatchType::kEqual, "");
}

std::string MatchersParseError(std::string_view text) {
  auto m = Matchers::Parse(text);
  EXPECT_FALSE(m.ok()) << "accepted " << text << " as " << m->ToString();
  if (m.ok()) return "";
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  return m.status().message();
}

constexpr MatchType kEq = MatchType::kEqual;
constexpr MatchType kNe = MatchType::kNotEqual;
constexpr MatchType kRe = MatchType::kRegexp;
constexpr MatchType kNre = MatchType::kNotRegexp;

struct ParseCase {
  std::string input;
  std::vector<Expected> want;
};

// Mirrors the accepted inputs of Alertmanager's matcher/parse/parse_test.go (TestMatchers) and
// those of pkg/labels/parse_test.go (TestMatchers) that the current parser also accepts.
TEST(MatcherParseTest, AcceptsAlertmanagerExamples) {
  const std::vector<ParseCase> cases = {
      // matcher/parse/parse_test.go
      {"", {}},
      {"{}", {}},
      {"{foo=bar}", {{"foo", kEq, "bar"}}},
      {"{foo=bar,}", {{"foo", kEq, "bar"}}},
      {"{foo!=bar}", {{"foo", kNe, "bar"}}},
      {"{foo=~[a-z]+}", {{"foo", kRe, "[a-z]+"}}},
      {"{foo!~[a-z]+}", {{"foo", kNre, "[a-z]+"}}},
      {"{foo=🙂}", {{"foo", kEq, "🙂"}}},
      {"{foo=🙂bar}", {{"foo", kEq, "🙂bar"}}},
      {"foo=bar", {{"foo", kEq, "bar"}}},
      {"foo=bar,", {{"foo", kEq, "bar"}}},
      {"foo!=bar", {{"foo", kNe, "bar"}}},
      {"foo=~[a-z]+", {{"foo", kRe, "[a-z]+"}}},
      {"foo!~[a-z]+", {{"foo", kNre, "[a-z]+"}}},
      {R"({"foo"="bar"})", {{"foo", kEq, "bar"}}},
      {R"({"foo"="bar",})", {{"foo", kEq, "bar"}}},
      {R"({"foo"!="bar"})", {{"foo", kNe, "bar"}}},
      {R"({"foo"=~"[a-z]+"})", {{"foo", kRe, "[a-z]+"}}},
      {R"({"foo"!~"[a-z]+"})", {{"foo", kNre, "[a-z]+"}}},
      {R"({"foo"="🙂"})", {{"foo", kEq, "🙂"}}},
      {R"({"foo"="\xf0\x9f\x99\x82"})", {{"foo", kEq, "🙂"}}},
      {R"({"foo"="\U0001f642"})", {{"foo", kEq, "🙂"}}},
      {R"({"foo"="🙂bar"})", {{"foo", kEq, "🙂bar"}}},
      {R"({"foo"="bar\n"})", {{"foo", kEq, "bar\n"}}},
      {R"({"foo"="bar\t"})", {{"foo", kEq, "bar\t"}}},
      {R"({"foo"="\"bar\""})", {{"foo", kEq, "\"bar\""}}},
      {R"({"foo"="bar\\"})", {{"foo", kEq, "bar\\"}}},
      {R"("foo"="bar")", {{"foo", kEq, "bar"}}},
      {R"("foo"="bar",)", {{"foo", kEq, "bar"}}},
      {"{foo=bar,bar!=baz}", {{"foo", kEq, "bar"}, {"bar", kNe, "baz"}}},
      {R"({foo="bar",bar!="baz"})", {{"foo", kEq, "bar"}, {"bar", kNe, "baz"}}},
      {"foo=bar,bar!=baz", {{"foo", kEq, "bar"}, {"bar", kNe, "baz"}}},
      {R"(foo="bar",bar!="baz")", {{"foo", kEq, "bar"}, {"bar", kNe, "baz"}}},
      // pkg/labels/parse_test.go
      {R"({foo="bar"})", {{"foo", kEq, "bar"}}},
      {R"({foo=~"bar.*"})", {{"foo", kRe, "bar.*"}}},
      {R"({foo!="bar"})", {{"foo", kNe, "bar"}}},
      {R"({foo!~"bar.*"})", {{"foo", kNre, "bar.*"}}},
      {R"({foo="bar", baz!="quux"})", {{"foo", kEq, "bar"}, {"baz", kNe, "quux"}}},
      {R"({foo="bar", baz!~"quux.*"})", {{"foo", kEq, "bar"}, {"baz", kNre, "quux.*"}}},
      {R"({foo="bar",baz!~".*quux", derp="wat"})",
       {{"foo", kEq, "bar"}, {"baz", kNre, ".*quux"}, {"derp", kEq, "wat"}}},
      {R"({foo="bar", instance=~"some-api.*"})",
       {{"foo", kEq, "bar"}, {"instance", kRe, "some-api.*"}}},
      {R"({foo=""})", {{"foo", kEq, ""}}},
      {R"({foo="bar,quux", job="job1"})", {{"foo", kEq, "bar,quux"}, {"job", kEq, "job1"}}},
      {R"({foo = "bar", dings != "bums", })", {{"foo", kEq, "bar"}, {"dings", kNe, "bums"}}},
      {"foo=bar,dings!=bums", {{"foo", kEq, "bar"}, {"dings", kNe, "bums"}}},
      {R"({quote="She said: \"Hi, ladies! That's gender-neutral…\""})",
       {{"quote", kEq, R"(She said: "Hi, ladies! That's gender-neutral…")"}}},
      {R"(statuscode=~"5..")", {{"statuscode", kRe, "5.."}}},
      {R"(contains_quote != "\"" , contains_comma !~ "foo,bar" , )",
       {{"contains_quote", kNe, "\""}, {"contains_comma", kNre, "foo,bar"}}},
      // As playbooks write them.
      {R"(alertname = "ContainerMemoryGrowth")", {{"alertname", kEq, "ContainerMemoryGrowth"}}},
      {R"(severity =~ "warning|critical")", {{"severity", kRe, "warning|critical"}}},
      {"severity=~warning|critical", {{"severity", kRe, "warning|critical"}}},
      {" \t{ a = b ,\n c !~ d } ", {{"a", kEq, "b"}, {"c", kNre, "d"}}},
      {R"(x="\a\b\f\r\v\101\x41\u00e9")", {{"x", kEq, "\a\b\f\r\vAAé"}}},
  };
  for (const ParseCase& c : cases) {
    auto parsed = Matchers::Parse(c.input);
    ASSERT_TRUE(parsed.ok()) << c.input << ": " << parsed.status().ToString();
    EXPECT_EQ(Describe(*parsed), c.want) << c.input;
  }
}

struct ErrorCase {
  std::string input;
  std::string error;
};

// Mirrors the rejected inputs of the same two upstream files; messages are Rebound's, with
// 1-based columns.
TEST(MatcherParseTest, ReportsErrorsWithColumns) {
  const std::string kNameRule = " (letters, digits and '_', not starting with a digit)";
  const std::vector<ErrorCase> cases = {
      // matcher/parse/parse_test.go
      {",", R"(column 1: unexpected ",": expected a label name)"},
      {"{,}", R"(column 2: unexpected ",": expected a label name)"},
      {"{", R"(column 2: end of input: expected "}")"},
      {"}", R"(column 1: unexpected "}" without an opening "{")"},
      {"foo=bar}", R"(column 8: unexpected "}" without an opening "{")"},
      {"{foo=bar", R"(column 9: end of input: expected "}")"},
      {R"({foo=:"bar"})", R"(column 7: unexpected "\"bar\"": expected "," or "}")"},
      {R"({foo="bar\w"})", R"(column 10: invalid escape \w (write \\ for a backslash))"},
      {R"({foo=bar\n})",
       R"(column 9: unexpected "\\": escapes are allowed only inside double quotes)"},
      {R"({"foo"="\xf0\x9f"})", "column 8: quoted string is not valid UTF-8"},
      // pkg/labels/parse_test.go
      {"job=", R"(column 5: end of input: expected a value (write "" for the empty string))"},
      {R"(job="value)", "column 5: unterminated quoted string"},
      {R"(job=value")", "column 10: unterminated quoted string"},
      {R"(contains_unescaped_quote = foo"bar)", "column 31: unterminated quoted string"},
      {R"({invalid-name = "valid label"})",
       R"(column 2: invalid label name "invalid-name")" + kNameRule},
      {R"({foo=~"invalid[regexp"})",
       R"(column 7: regular expression "invalid[regexp": missing ]: [regexp)"},
      {R"("{foo=\"bar"})", R"(column 1: invalid label name "{foo=\"bar")" + kNameRule},
      {R"("foo=\"bar\"")", R"(column 1: invalid label name "foo=\"bar\"")" + kNameRule},
      {R"("foo="bar"")", R"(column 1: invalid label name "foo=")" + kNameRule},
      {"tricky=~~~", R"(column 9: unexpected "~": expected "=~" or "!~")"},
      {R"(trickier==\\=\=\")",
       R"(column 10: unexpected "=": expected a value (write "" for the empty string))"},
      // Rebound's own.
      {"foo", "column 4: end of input: expected an operator (=, !=, =~ or !~)"},
      {R"(foo "bar")", R"(column 5: unexpected "\"bar\"": expected an operator (=, !=, =~ or !~))"},
      {"foo != bar baz", R"(column 12: unexpected "baz": expected "," or end of input)"},
      {"{a=b} c", R"(column 7: unexpected "c": expected end of input)"},
      {"a=b,,", R"(column 5: unexpected ",": expected a label name)"},
      {"foo=bar!", R"(column 8: unexpected "!": expected "!=" or "!~")"},
      {"foo='bar'", R"(column 5: unexpected "'": quote values with double quotes)"},
      {"1foo=bar", R"(column 1: invalid label name "1foo")" + kNameRule},
      {"foo.bar=x", R"(column 1: invalid label name "foo.bar")" + kNameRule},
      {"job:name=x", R"(column 1: invalid label name "job:name")" + kNameRule},
      {"a=\"x\ny\"", "column 5: newline in quoted string (write \\n)"},
      {R"(a="\uD800")", R"(column 4: invalid Unicode escape \u)"},
      {R"(a="\x4")", R"(column 4: \x needs two hex digits)"},
      {R"(a="\400")", R"(column 4: invalid escape \4 (write \\ for a backslash))"},
      {"a=\xff", "column 3: invalid UTF-8"},
      {"a=b, c=~\"(x\"", R"m(column 9: regular expression "(x": missing ): (x)m"},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(MatchersParseError(c.input), c.error) << c.input;
}

TEST(MatcherParseTest, ParseWantsExactlyOneMatcher) {
  EXPECT_EQ(MustParseMatcher("{foo=bar,}"), MustCreate("foo", kEq, "bar"));
  EXPECT_EQ(MustParseMatcher(R"(  severity =~ "warning|critical" )"),
            MustCreate("severity", kRe, "warning|critical"));
  EXPECT_EQ(Matcher::Parse("").status().message(), "column 1: expected a matcher, found none");
  EXPECT_EQ(Matcher::Parse("{}").status().message(), "column 3: expected a matcher, found none");
  EXPECT_EQ(Matcher::Parse("foo=bar,bar=baz").status().message(),
            "column 9: expected one matcher, found 2");
  EXPECT_EQ(Matcher::Parse("foo=").status().message(),
            R"(column 5: end of input: expected a value (write "" for the empty string))");
}

struct MatchCase {
  MatchType type;
  std::string pattern;
  std::string value;
  bool match;
};

// Mirrors pkg/labels/matcher_test.go (TestMatcher), then anchoring and RE2 details.
TEST(MatcherTest, MatchesValues) {
  const std::vector<MatchCase> cases = {
      {kEq, "bar", "bar", true},
      {kEq, "bar", "foo-bar", false},
      {kNe, "bar", "bar", false},
      {kNe, "bar", "foo-bar", true},
      {kRe, "bar", "bar", true},
      {kRe, "bar", "foo-bar", false},
      {kRe, ".*bar", "foo-bar", true},
      {kNre, "bar", "bar", false},
      {kNre, "bar", "foo-bar", true},
      {kNre, ".*bar", "foo-bar", false},
      {kRe, "foo.bar", "foo-bar", true},
      {kRe, R"(foo\.bar)", "foo-bar", false},
      {kRe, R"(foo\.bar)", "foo.bar", true},
      {kEq, "foo\nbar", "foo\nbar", true},
      {kRe, "foo.bar", "foo\nbar", false},
      {kRe, "(?s)foo.bar", "foo\nbar", true},
      {kEq, "~!=\"", "~!=\"", true},
      // Anchored at both ends, around the whole alternation.
      {kRe, "bar", "barfoo", false},
      {kRe, "bar", "barbaz", false},
      {kRe, "bar", "foobar", false},
      {kNre, "bar", "barbaz", true},
      {kRe, "warning|critical", "warning", true},
      {kRe, "warning|critical", "critical", true},
      {kRe, "warning|critical", "warningcritical", false},
      {kRe, "warning|critical", "not critical", false},
      {kRe, "a|", "", true},
      {kRe, ".*", "", true},
      {kRe, "", "", true},
      {kRe, "", "x", false},
      {kNre, "", "", false},
      {kNre, "", "x", true},
      {kRe, "^bar$", "bar", true},
      // RE2 syntax, Go's regexp's.
      {kRe, "(?i)CRITICAL", "critical", true},
      {kRe, "(?i)critical", "CrItIcAl", true},
      {kRe, "critical", "CRITICAL", false},
      {kRe, "(?is)a.b", "A\nB", true},
      {kRe, "a.b", "a\rb", true},
      {kRe, "[]a]+", "]a]", true},
      {kRe, "[^]a]", "b", true},
      {kRe, "[[:alpha:]]+[[:digit:]]", "abc1", true},
      {kRe, "x{", "x{", true},
      {kRe, "x{a}", "x{a}", true},
      {kRe, "x{2,3}", "xxx", true},
      {kRe, "x{2,3}", "xxxx", false},
      {kRe, "x{2,}?y", "xxxy", true},
      {kRe, "a+?b*?c??", "aab", true},
      {kRe, "(a*)*b", "aab", true},
      {kRe, "é+", "éé", true},
      {kRe, "(?P<first>a)(b)", "ab", true},
      {kRe, R"(\pL+\p{Greek})", "éπ", true},
      {kRe, R"(\PL)", "é", false},
      {kRe, "a(?i)b", "aB", true},
      {kRe, "a(?i)b", "AB", false},
      {kRe, "(?i:a)b", "Ab", true},
      {kRe, "(?m)^a$", "a", true},
      {kRe, "(?U)a+", "aaa", true},
      {kRe, R"(\Q.*\E)", ".*", true},
      {kRe, R"(\Q.*\E)", "ab", false},
      {kRe, R"(\x{41}\xe9)", "Aé", true},
      {kRe, "[é-ë]+", "éêë", true},
      {kRe, R"(a\z)", "a", true},
      {kRe, R"(\d+\.\d+\s\w)", "1.5 x", true},
      {kRe, R"(\x41)", "A", true},
      {kRe, R"(a\b)", "a", true},
      {kRe, "5..", "503", true},
      {kRe, "5..", "5033", false},
  };
  for (const MatchCase& c : cases) {
    Matcher m = MustCreate("foo", c.type, c.pattern);
    EXPECT_EQ(m.Matches(c.value), c.match) << m.ToString() << " against \"" << c.value << "\"";
  }
}

// RE2's messages, with a hint for the Perl constructs it leaves out.
TEST(MatcherTest, RejectsRegexesRe2DoesNotSupport) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"((a)\1)", R"(invalid escape sequence: \1 (RE2 has no backreferences))"},
      {"(?P=x)", "invalid perl operator: (?P (RE2 has no backreferences)"},
      {"(?=a)a", "invalid perl operator: (?= (RE2 has no lookahead)"},
      {"(?!a)b", "invalid perl operator: (?! (RE2 has no lookahead)"},
      {"(?<=a)b", "invalid perl operator: (?< (RE2 has no lookbehind"},
      {"(?<!a)b", "(RE2 has no lookbehind"},
      {"(?<name>b)", "names groups only as (?P<name>...)"},
      {"(?P<name", "invalid named capture group: (?P<name"},
      {"(?z)", "invalid perl operator: (?z"},
      {"a{1001}", "invalid repetition size: {1001}"},
      {"(a{100}){100}", "invalid repetition size: {100}"},
      {R"(\pL{1000})", "pattern too large"},
      {"a\\", "trailing \\"},
      {"[z-a]", "invalid character class range: z-a"},
      {"[[:foo:]]", "invalid character class range: [:foo:]"},
      {"invalid[regexp", "missing ]: [regexp"},
      {R"([\b])", R"(invalid escape sequence: \b)"},
      // Rejected on its own, where Alertmanager's ^(?:a)|(b)$ would let it escape the anchoring.
      {"a)|(b", "unexpected ): a)|(b"},
      {"((a)", "missing ): ((a)"},
      {"a**", "bad repetition operator: **"},
      {"a+?+", "bad repetition operator: +?+"},
      {"a{2}{3}", "bad repetition operator: {2}{3}"},
      {"a?*", "bad repetition operator: ?*"},
      {"*a", "no argument for repetition operator: *"},
  };
  for (const auto& [pattern, why] : cases) {
    for (MatchType type : {kRe, kNre}) {
      auto m = Matcher::Create("foo", type, pattern);
      ASSERT_FALSE(m.ok()) << pattern;
      EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
      EXPECT_THAT(m.status().message(), AllOf(StartsWith("regular expression \""), HasSubstr(why)))
          << pattern;
    }
  }
  // Equality operators take the same text literally.
  EXPECT_TRUE(MustCreate("foo", kEq, "(?=a)").Matches("(?=a)"));
}

TEST(MatcherTest, AbsentLabelsMatchAsEmpty) {
  const std::map<std::string, std::string> absent = {{"other", "x"}};
  const std::map<std::string, std::string> empty = {{"foo", ""}};
  const std::map<std::string, std::string> present = {{"foo", "x"}};
  auto matches = [](std::string_view text, const std::map<std::string, std::string>& labels) {
    auto m = Matchers::Parse(text);
    EXPECT_TRUE(m.ok()) << text;
    return m.ok() && m->Matches(labels);
  };
  EXPECT_TRUE(matches(R"(foo="")", absent));
  EXPECT_TRUE(matches(R"(foo="")", empty));
  EXPECT_FALSE(matches(R"(foo="")", present));
  EXPECT_FALSE(matches(R"(foo!="")", absent));
  EXPECT_TRUE(matches(R"(foo!="")", present));
  EXPECT_TRUE(matches(R"(foo=~".*")", absent));
  EXPECT_FALSE(matches(R"(foo=~".+")", absent));
  EXPECT_TRUE(matches(R"(foo=~"")", absent));
  EXPECT_FALSE(matches(R"(foo=~"")", present));
  EXPECT_FALSE(matches(R"(foo!~"")", absent));
  EXPECT_TRUE(matches(R"(foo!~"")", present));
  EXPECT_TRUE(matches(R"(foo=~"x|")", absent));
  EXPECT_TRUE(matches(R"(foo!~"x")", absent));
  EXPECT_FALSE(matches(R"(foo="x")", absent));

  EXPECT_TRUE(MustParseMatcher(R"(foo="")").MatchesEmpty());
  EXPECT_TRUE(MustParseMatcher(R"(foo!="x")").MatchesEmpty());
  EXPECT_TRUE(MustParseMatcher(R"(foo=~"x|")").MatchesEmpty());
  EXPECT_TRUE(MustParseMatcher(R"(foo!~".+")").MatchesEmpty());
  EXPECT_FALSE(MustParseMatcher(R"(foo="x")").MatchesEmpty());
  EXPECT_FALSE(MustParseMatcher(R"(foo!="")").MatchesEmpty());
  EXPECT_FALSE(MustParseMatcher(R"(foo=~".+")").MatchesEmpty());
  EXPECT_FALSE(MustParseMatcher(R"(foo!~".*")").MatchesEmpty());
}

TEST(MatchersTest, AllMustHold) {
  auto parsed =
      Matchers::Parse(R"({alertname="ContainerMemoryGrowth", severity=~"warning|critical"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::map<std::string, std::string> labels = {
      {"alertname", "ContainerMemoryGrowth"}, {"severity", "critical"}, {"namespace", "shop"}};
  EXPECT_TRUE(parsed->Matches(labels));
  labels["severity"] = "info";
  EXPECT_FALSE(parsed->Matches(labels));
  labels.erase("severity");
  EXPECT_FALSE(parsed->Matches(labels));
  EXPECT_TRUE(Matchers().Matches({}));
  EXPECT_TRUE(Matchers().empty());
}

TEST(MatchersTest, ExposesEqualityValuesForIndexing) {
  EXPECT_EQ(MustParseMatcher(R"(alertname="X")").EqualityValue(), "X");
  EXPECT_EQ(MustParseMatcher(R"(alertname="")").EqualityValue(), "");
  EXPECT_EQ(MustParseMatcher(R"(alertname=~"X")").EqualityValue(), std::nullopt);
  EXPECT_EQ(MustParseMatcher(R"(alertname!="X")").EqualityValue(), std::nullopt);

  auto parsed = Matchers::Parse(R"(alertname=~"A|B", severity="page", alertname="A")");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->EqualityValue("alertname"), "A");
  EXPECT_EQ(parsed->EqualityValue("severity"), "page");
  EXPECT_EQ(parsed->EqualityValue("namespace"), std::nullopt);
}

// Mirrors pkg/labels/matcher_test.go (TestMatcherString) for valid names. Unlike Alertmanager,
// control characters such as tab are escaped, so that the text stays on one line.
TEST(MatcherTest, ToStringQuotesTheValue) {
  EXPECT_EQ(MustCreate("foo", kEq, "bar").ToString(), R"(foo="bar")");
  EXPECT_EQ(MustCreate("foo", kNe, "bar").ToString(), R"(foo!="bar")");
  EXPECT_EQ(MustCreate("foo", kRe, "bar").ToString(), R"(foo=~"bar")");
  EXPECT_EQ(MustCreate("foo", kNre, "bar").ToString(), R"(foo!~"bar")");
  EXPECT_EQ(MustCreate("foo", kEq, R"(back\slash)").ToString(), R"(foo="back\\slash")");
  EXPECT_EQ(MustCreate("foo", kEq, R"(double"quote)").ToString(), R"(foo="double\"quote")");
  EXPECT_EQ(MustCreate("foo", kEq, "new\nline").ToString(), R"(foo="new\nline")");
  EXPECT_EQ(MustCreate("foo", kEq, "tab\tstop").ToString(), R"(foo="tab\tstop")");
  EXPECT_EQ(MustCreate("foo", kEq, "🙂").ToString(), R"(foo="🙂")");
  EXPECT_EQ(MustCreate("foo", kEq, "\x01\x7f").ToString(), R"(foo="\x01\x7f")");
}

TEST(MatcherTest, ToStringRoundTrips) {
  const std::vector<Matcher> matchers = {
      MustCreate("alertname", kEq, "ContainerMemoryGrowth"),
      MustCreate("severity", kRe, "warning|critical"),
      MustCreate("_x", kNre, R"((?i)\d+\.\d*|x)"),
      MustCreate("q", kNe, "\"\\\n\t\r\x01\x7f é 🙂 {},=~!'`"),
      MustCreate("empty", kEq, ""),
  };
  for (const Matcher& m : matchers) {
    auto again = Matcher::Parse(m.ToString());
    ASSERT_TRUE(again.ok()) << m.ToString() << ": " << again.status().ToString();
    EXPECT_EQ(*again, m) << m.ToString();
  }
  const Matchers all(matchers);
  EXPECT_THAT(all.ToString(), StartsWith(R"({alertname="ContainerMemoryGrowth",severity=~)"));
  auto again = Matchers::Parse(all.ToString());
  ASSERT_TRUE(again.ok()) << all.ToString() << ": " << again.status().ToString();
  EXPECT_EQ(*again, all);
  EXPECT_EQ(Matchers().ToString(), "{}");
  EXPECT_EQ(*Matchers::Parse(Matchers().ToString()), Matchers());
}

TEST(MatcherTest, EqualityIgnoresNothingButTheCompiledRegex) {
  EXPECT_EQ(MustCreate("a", kRe, "x"), MustParseMatcher(R"(a=~x)"));
  EXPECT_FALSE(MustCreate("a", kRe, "x") == MustCreate("a", kNre, "x"));
  EXPECT_FALSE(MustCreate("a", kEq, "x") == MustCreate("b", kEq, "x"));
  EXPECT_FALSE(MustCreate("a", kEq, "x") == MustCreate("a", kEq, "y"));
}

TEST(MatcherTest, CreateValidatesWithoutColumns) {
  EXPECT_EQ(Matcher::Create("a-b", kEq, "x").status().message(),
            R"(invalid label name "a-b" (letters, digits and '_', not starting with a digit))");
  EXPECT_EQ(Matcher::Create("", kEq, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Matcher::Create("a", kEq, "\xc3").status().message(), "value is not valid UTF-8");
  EXPECT_EQ(Matcher::Create("a", kRe, "(?=x)").status().message(),
            R"m(regular expression "(?=x)": invalid perl operator: (?= (RE2 has no lookahead))m");
}

TEST(MatcherTest, LongValuesDoNotExhaustTheStack) {
  // A backtracking engine recurses once per character here; RE2 does not recurse.
  const std::string huge(1 << 20, 'a');
  EXPECT_TRUE(MustCreate("foo", kRe, "(a|b)*").Matches(huge));
  EXPECT_FALSE(MustCreate("foo", kNre, "(a|b)*").Matches(huge));
}

// Patterns that take a backtracking engine exponential time (or a breadth-first one time
// quadratic in the value) against a long run of 'a's: RE2 answers in linear time.
TEST(MatcherTest, PathologicalPatternsComplete) {
  const std::string run(100000, 'a');
  EXPECT_FALSE(MustCreate("foo", kRe, "(a*)*b").Matches(run));
  EXPECT_FALSE(MustCreate("foo", kRe, "(a|aa)*c").Matches(run));
  EXPECT_TRUE(MustCreate("foo", kRe, "(a|aa)*").Matches(run));
  EXPECT_TRUE(MustCreate("foo", kNre, "(a*)*b").Matches(run));
  EXPECT_TRUE(MustCreate("foo", kRe, "(a*)*b").Matches(run + "b"));
  EXPECT_FALSE(MustCreate("foo", kRe, "(a|aa)*c").Matches(run + "cc"));
}

// RE2 parses without recursion, so neither nesting nor length needs a limit of its own.
TEST(MatcherTest, DeepAndLongPatternsCompile) {
  const int depth = 10000;
  const Matcher nested =
      MustCreate("foo", kRe, std::string(depth, '(') + "a" + std::string(depth, ')'));
  EXPECT_TRUE(nested.Matches("a"));
  EXPECT_FALSE(nested.Matches("aa"));
  std::string alternatives = "x0";
  for (int i = 1; i < 2000; ++i) alternatives += "|x" + std::to_string(i);
  const Matcher wide = MustCreate("foo", kRe, alternatives);
  EXPECT_TRUE(wide.Matches("x1999"));
  EXPECT_FALSE(wide.Matches("x2000"));
}

TEST(MatcherTest, LabelNamesFollowPrometheus) {
  for (const char* name : {"a", "_", "alertname", "A_1", "__name__"}) {
    EXPECT_TRUE(IsValidLabelName(name)) << name;
  }
  for (const char* name : {"", "1a", "a-b", "a.b", "a:b", "é", "a b"}) {
    EXPECT_FALSE(IsValidLabelName(name)) << name;
  }
}

}  // namespace
}  // namespace rebound::common
