// Alertmanager label matchers (`alertname = "ContainerMemoryGrowth"`, `severity =~ "warning|
// critical"`) and lists of them (`{namespace="shop", pod!~"canary-.*"}`). Playbooks select
// alerts with them; playbook tests and amtool-style filters use the same text.
//
// The syntax is that of Alertmanager's matcher parser (matcher/parse, the default since 0.27):
//   matcher  = name ws op ws value        op = "=" | "!=" | "=~" | "!~"
//   matchers = ["{"] [matcher {"," matcher} [","]] ["}"]    (braces in pairs, whitespace free)
// Names follow Prometheus: [a-zA-Z_][a-zA-Z0-9_]*, optionally double-quoted. A value is either
// double-quoted with Go escapes (\" \\ \n \t \xHH \uHHHH ...) or unquoted: a run of characters
// other than whitespace and {}!=~,\"'`. Alertmanager's older "classic" parser accepted more
// (spurious backslashes, unbalanced quotes); those inputs are rejected here.
//
// Regular expressions are RE2's (Go's regexp syntax, which Alertmanager uses), compiled once, at
// parse time, and fully anchored: a value matches only as a whole, as with Alertmanager's
// `^(?:re)$`. Constructs RE2 lacks (backreferences, lookaround) are errors, as is a pattern
// whose program exceeds RE2's default memory budget. RE2 matches in time linear in the length of
// the value and without recursion, so a hostile label cannot make matching slow or deep.
//
// A label that is absent matches as the empty string, as in Alertmanager: `foo=""` means "foo
// is absent", `foo!=""` "foo is present".
//
// Errors are InvalidArgument naming the 1-based column within the parsed text (columns count
// bytes, as yaml-cpp's marks do) and what was expected there: `column 5: unexpected ",":
// expected a value (write "" for the empty string)`.
//
// Thread-safety: Matcher and Matchers are immutable values once built; any number of threads may
// call their const methods concurrently.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rebound::common {

enum class MatchType { kEqual, kNotEqual, kRegexp, kNotRegexp };

// "=", "!=", "=~" or "!~".
std::string_view MatchOperator(MatchType type);

// Whether `name` is a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

class Matcher {
 public:
  // Parses one matcher, optionally in braces and with a trailing comma ("{a=b,}"), as
  // Alertmanager's parse.Matcher does. InvalidArgument with the column of the problem, or
  // "expected one matcher, found N" for a list.
  static Result<Matcher> Parse(std::string_view text);

  // Builds a matcher from its parts: validates `name` and compiles a regex `value`.
  // InvalidArgument (without a column) when either is invalid.
  static Result<Matcher> Create(std::string name, MatchType type, std::string value);

  const std::string& name() const { return name_; }
  MatchType type() const { return type_; }
  // The value as written, after unquoting: for regex matchers the unanchored pattern.
  const std::string& value() const { return value_; }

  // Whether a label whose value is `value` (or "" when absent) satisfies the matcher.
  bool Matches(std::string_view value) const;
  // Whether the matcher accepts an absent label. When it does not, the label must be present on
  // every alert the matcher selects.
  bool MatchesEmpty() const { return Matches(""); }
  // The literal the label must equal when the matcher is `name = "literal"`; nullopt for the
  // other operators. Lets callers index matchers by alertname.
  std::optional<std::string_view> EqualityValue() const;

  // `name<op>"value"` with the value quoted; Parse reads it back as an equal matcher.
  std::string ToString() const;

  // Name, operator and value are equal (the compiled regex follows from them).
  friend bool operator==(const Matcher& a, const Matcher& b);

 private:
  struct CompiledRegex;  // keeps <re2/re2.h> out of this header

  Matcher() = default;

  std::string name_;
  MatchType type_ = MatchType::kEqual;
  std::string value_;
  std::shared_ptr<const CompiledRegex> regex_;  // set for the regex operators; shared by copies
};

// A conjunction of matchers: all must hold.
class Matchers {
 public:
  Matchers() = default;  // matches every label set
  explicit Matchers(std::vector<Matcher> matchers) : matchers_(std::move(matchers)) {}

  // Parses a list, as Alertmanager's parse.Matchers does: "{a=\"b\", c=~\"d\"}", "a=b,c!=d",
  // "{}" and "" (no matchers). InvalidArgument with the column of the first problem.
  static Result<Matchers> Parse(std::string_view text);

  // Whether every matcher holds for `labels`, an absent label counting as "".
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // The literal `name` must equal when some matcher is `name = "literal"`; nullopt otherwise.
  std::optional<std::string_view> EqualityValue(std::string_view name) const;

  const std::vector<Matcher>& matchers() const { return matchers_; }
  bool empty() const { return matchers_.empty(); }

  // `{a="b",c=~"d"}`; Parse reads it back as equal matchers.
  std::string ToString() const;

  friend bool operator==(const Matchers&, const Matchers&) = default;

 private:
  std::vector<Matcher> matchers_;
};

}  // namespace rebound::common
