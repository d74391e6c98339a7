#include "controller/actions/scale_spec.h"

#include <gtest/gtest.h>

#include <optional>

namespace rebound::controller::actions {
namespace {

struct ApplyCase {
  const char* spec;
  int64_t current;
  int64_t want;
};

TEST(ScaleSpecTest, AppliesEveryForm) {
  const ApplyCase cases[] = {
      {"5", 3, 5},    {"0", 3, 0},     {"+1", 3, 4},     {"+2", 0, 2},   {"-1", 3, 2},
      {"-5", 3, 0},   {"x2", 3, 6},    {"x1.5", 3, 5},   {"x1.5", 2, 3}, {"x1.1", 10, 11},
      {"x0.5", 3, 2}, {"x0.25", 8, 2}, {"x1.001", 1, 2}, {"x3", 0, 0},   {"x100", 2, 200},
  };
  for (const ApplyCase& c : cases) {
    common::Result<ScaleSpec> spec = ScaleSpec::Parse(c.spec);
    ASSERT_TRUE(spec.ok()) << c.spec << ": " << spec.status().ToString();
    EXPECT_EQ(spec->Apply(c.current), c.want) << c.spec << " of " << c.current;
    EXPECT_EQ(spec->text(), c.spec);
  }
}

TEST(ScaleSpecTest, OnlyAdditionsAndGrowingFactorsCanIncrease) {
  const std::pair<const char*, bool> cases[] = {
      {"5", false}, {"+1", true}, {"-1", false}, {"x2", true}, {"x1", false}, {"x0.5", false},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(ScaleSpec::Parse(text)->CanIncrease(), want) << text;
  }
  EXPECT_EQ(ScaleSpec::Parse("7")->absolute(), 7);
  EXPECT_EQ(ScaleSpec::Parse("+7")->absolute(), std::nullopt);
}

TEST(ScaleSpecTest, RejectsMalformedSpecs) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"\""},
      {"abc", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"abc\""},
      {"+", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"+\""},
      {"++1", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"++1\""},
      {"-x", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"-x\""},
      {"1.5", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"1.5\""},
      {"x", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"x\""},
      {"x1.", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"x1.\""},
      {"x.5", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"x.5\""},
      {"X2", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"X2\""},
      {" 5", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \" 5\""},
      {"100001", "expected a replica count (5), +N, -N or a factor xF (x1.5), got \"100001\""},
      {"+0", "expected a change of at least 1, got \"+0\""},
      {"-0", "expected a change of at least 1, got \"-0\""},
      {"x0", "a factor must be above 0 and at most 100, got \"x0\""},
      {"x100.5", "a factor must be above 0 and at most 100, got \"x100.5\""},
      {"x1.2345", "a factor has at most 3 decimals, got \"x1.2345\""},
  };
  for (const auto& [text, want] : cases) {
    common::Result<ScaleSpec> spec = ScaleSpec::Parse(text);
    ASSERT_FALSE(spec.ok()) << "\"" << text << "\"";
    EXPECT_EQ(spec.status().message(), want);
  }
}

struct DecideCase {
  const char* spec;
  int64_t current;
  int64_t floor;
  std::optional<int64_t> ceiling;
  ScaleDecision::Kind kind;
  int64_t replicas;
  const char* reason;
  const char* note;
};

TEST(DecideScaleTest, ClampsIntoBoundsAndNeverPushesFurtherOut) {
  using K = ScaleDecision::Kind;
  const DecideCase cases[] = {
      {"+1", 3, 1, 10, K::kScale, 4, "", ""},
      {"+1", 9, 1, 10, K::kScale, 10, "", ""},  // exactly at max: allowed
      {"+2", 9, 1, 10, K::kScale, 10, "", "capped at max 10; +2 asked for 11"},
      {"+1", 10, 1, 10, K::kNoop, 10, "", "capped at max 10; +1 asked for 11"},
      {"+1", 11, 1, 10, K::kRefuse, 11, "max_replicas",
       "11 replicas, above max 10: not raising it further"},
      {"-1", 11, 1, 10, K::kScale, 10, "", ""},          // lowering from above max is fine
      {"-1", 3, 2, std::nullopt, K::kScale, 2, "", ""},  // exactly at the floor: allowed
      {"-2", 3, 2, std::nullopt, K::kScale, 2, "", "raised to the minimum of 2; -2 asked for 1"},
      {"-1", 2, 2, std::nullopt, K::kNoop, 2, "", "raised to the minimum of 2; -1 asked for 1"},
      {"-1", 1, 2, std::nullopt, K::kRefuse, 1, "min_replicas",
       "1 replica, below the minimum of 2: not lowering it further"},
      {"+1", 0, 2, 10, K::kScale, 2, "", "raised to the minimum of 2; +1 asked for 1"},
      {"0", 3, 1, std::nullopt, K::kScale, 1, "", "raised to the minimum of 1; 0 asked for 0"},
      {"5", 5, 1, std::nullopt, K::kNoop, 5, "", ""},
      {"x2", 4, 1, 6, K::kScale, 6, "", "capped at max 6; x2 asked for 8"},
      {"x0.5", 4, 1, std::nullopt, K::kScale, 2, "", ""},
      {"+1", 3, 5, 4, K::kScale, 5, "", "raised to the minimum of 5; +1 asked for 4"},
  };
  for (const DecideCase& c : cases) {
    ScaleDecision d = DecideScale(*ScaleSpec::Parse(c.spec), c.current, c.floor, c.ceiling);
    std::string where = std::string(c.spec) + " of " + std::to_string(c.current);
    EXPECT_EQ(d.kind, c.kind) << where;
    EXPECT_EQ(d.replicas, c.replicas) << where;
    EXPECT_EQ(d.reason, c.reason) << where;
    EXPECT_EQ(d.note, c.note) << where;
  }
}

}  // namespace
}  // namespace rebound::controller::actions
