#include "controller/actions/label_selector.h"

#include <gtest/gtest.h>

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

const json kSelector = json::parse(R"({
  "matchLabels": {"app": "web"},
  "matchExpressions": [
    {"key": "tier", "operator": "In", "values": ["a", "b"]},
    {"key": "env", "operator": "NotIn", "values": ["dev"]},
    {"key": "team", "operator": "Exists"},
    {"key": "canary", "operator": "DoesNotExist"}
  ]})");

TEST(SelectorQueryTest, EveryOperator) {
  EXPECT_EQ(*SelectorQuery(kSelector), "app=web,tier in (a,b),env notin (dev),team,!canary");
  EXPECT_EQ(*SelectorQuery(json::object()), "");
}

TEST(SelectorQueryTest, MalformedSelectors) {
  for (const char* bad : {R"("app=web")", R"({"matchLabels": {"app": 1}})",
                          R"({"matchExpressions": [{"key": "a", "operator": "Near"}]})",
                          R"({"matchExpressions": [{"key": "a", "operator": "In"}]})",
                          R"({"matchExpressions": [{"key": "a", "operator": "Exists",
                                                    "values": ["x"]}]})"}) {
    EXPECT_FALSE(SelectorQuery(json::parse(bad)).ok()) << bad;
  }
}

TEST(SelectorMatchesTest, EvaluatesEveryRequirement) {
  json labels = {{"app", "web"}, {"tier", "a"}, {"env", "prod"}, {"team", "x"}};
  EXPECT_TRUE(SelectorMatches(kSelector, labels));
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"app", "api"}, {"tier", "c"}, {"env", "dev"}, {"team", nullptr}, {"canary", "1"}}) {
    json changed = labels;
    if (value.is_null()) {
      changed.erase(key);
    } else {
      changed[key] = value;
    }
    EXPECT_FALSE(SelectorMatches(kSelector, changed)) << key;
  }
}

TEST(SelectorMatchesTest, EmptySelectsAllNullSelectsNothing) {
  EXPECT_TRUE(SelectorMatches(json::object(), json{{"a", "b"}}));
  EXPECT_TRUE(SelectorMatches(json::object(), nullptr));
  EXPECT_FALSE(SelectorMatches(nullptr, json{{"a", "b"}}));
  EXPECT_FALSE(SelectorMatches(json{{"matchLabels", {{"a", "b"}}}}, nullptr));
}

}  // namespace
}  // namespace rebound::controller::actions
