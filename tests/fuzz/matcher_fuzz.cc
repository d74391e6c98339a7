// libFuzzer target for Matchers::Parse: matchers come from playbooks, amtool-style filters and
// playbook tests, all text a user typed.
//
// Besides the sanitizers' own checks, it traps when a result breaks the parser's contract: an
// error is an InvalidArgument naming a column; a parsed list prints as text that parses back to
// equal matchers, each of which also parses alone; a negated operator matches exactly what its
// positive twin does not.
//
// Run: matcher_fuzz -max_len=4096 CORPUS_DIR

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/matcher.h"

namespace {

using rebound::common::Matcher;
using rebound::common::Matchers;
using rebound::common::MatchType;
using rebound::common::StatusCode;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

MatchType Positive(MatchType type) {
  if (type == MatchType::kNotEqual) return MatchType::kEqual;
  if (type == MatchType::kNotRegexp) return MatchType::kRegexp;
  return type;
}

void CheckMatcher(const Matcher& m, std::string_view input) {
  auto alone = Matcher::Parse(m.ToString());
  Check(alone.ok() && *alone == m);
  Check(m.MatchesEmpty() == m.Matches(""));
  Check(m.EqualityValue().has_value() == (m.type() == MatchType::kEqual));
  if (Positive(m.type()) != m.type()) {
    auto positive = Matcher::Create(m.name(), Positive(m.type()), m.value());
    Check(positive.ok());
    for (std::string_view value : {std::string_view(), input, std::string_view(m.value())}) {
      Check(positive->Matches(value) != m.Matches(value));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = Matchers::Parse(input);
  if (!parsed.ok()) {
    Check(parsed.status().code() == StatusCode::kInvalidArgument);
    Check(parsed.status().message().starts_with("column "));
    return 0;
  }
  auto again = Matchers::Parse(parsed->ToString());
  Check(again.ok() && *again == *parsed);
  for (const Matcher& m : parsed->matchers()) CheckMatcher(m, input);
  auto single = Matcher::Parse(input);
  Check(single.ok() == (parsed->matchers().size() == 1));
  if (single.ok()) Check(*single == parsed->matchers()[0]);
  return 0;
}
