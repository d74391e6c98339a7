#include "tools/kubesim/selectors.h"

#include <gtest/gtest.h>

namespace rebound::kubesim {
namespace {

using Labels = std::map<std::string, std::string>;

bool Matches(const std::string& selector, const Labels& labels) {
  auto parsed = LabelSelector::Parse(selector);
  EXPECT_TRUE(parsed.ok()) << selector << ": " << parsed.status().ToString();
  return parsed.ok() && parsed->Matches(labels);
}

TEST(KubesimLabelSelectorTest, EqualityOperators) {
  Labels web = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(Matches("app=web", web));
  EXPECT_TRUE(Matches("app==web", web));
  EXPECT_FALSE(Matches("app=db", web));
  EXPECT_TRUE(Matches("app!=db", web));
  EXPECT_FALSE(Matches("app!=web", web));
  EXPECT_TRUE(Matches("missing!=x", web)) << "!= matches objects without the label";
  EXPECT_TRUE(Matches("app=web,tier=front", web));
  EXPECT_FALSE(Matches("app=web,tier=back", web));
  EXPECT_TRUE(Matches(" app = web , tier = front ", web));
}

TEST(KubesimLabelSelectorTest, SetOperators) {
  Labels web = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(Matches("tier in (front,back)", web));
  EXPECT_FALSE(Matches("tier in (back)", web));
  EXPECT_FALSE(Matches("missing in (x)", web));
  EXPECT_TRUE(Matches("tier notin (back, middle)", web));
  EXPECT_FALSE(Matches("tier notin (front)", web));
  EXPECT_TRUE(Matches("missing notin (x)", web));
  EXPECT_TRUE(Matches("app in (web),tier notin (back)", web));
}

TEST(KubesimLabelSelectorTest, ExistenceOperators) {
  Labels web = {{"app", "web"}, {"rebound.io/chaos", "enabled"}};
  EXPECT_TRUE(Matches("app", web));
  EXPECT_FALSE(Matches("tier", web));
  EXPECT_TRUE(Matches("!tier", web));
  EXPECT_FALSE(Matches("!app", web));
  EXPECT_TRUE(Matches("rebound.io/chaos=enabled,!canary", web));
}

TEST(KubesimLabelSelectorTest, EmptySelectorMatchesEverything) {
  EXPECT_TRUE(Matches("", {}));
  EXPECT_TRUE(Matches("", {{"a", "b"}}));
}

TEST(KubesimLabelSelectorTest, RejectsMalformedRequirements) {
  for (const char* bad : {"app in web", "app in ()", "app=web,", "-bad=x", "app=in valid",
                          "app in (a,b", "a/b/c=d", "app inn (x)"}) {
    auto parsed = LabelSelector::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("unable to parse requirement"), std::string::npos)
          << parsed.status().message();
    }
  }
}

TEST(KubesimLabelSelectorTest, FromJsonAndCanonicalText) {
  nlohmann::json selector = {{"matchLabels", {{"app", "web"}}},
                             {"matchExpressions",
                              {{{"key", "tier"}, {"operator", "In"}, {"values", {"front", "back"}}},
                               {{"key", "canary"}, {"operator", "DoesNotExist"}}}}};
  auto parsed = LabelSelector::FromJson(selector);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->Matches({{"app", "web"}, {"tier", "back"}}));
  EXPECT_FALSE(parsed->Matches({{"app", "web"}, {"tier", "back"}, {"canary", "1"}}));
  EXPECT_EQ(parsed->ToString(), "app=web,!canary,tier in (front,back)");

  EXPECT_FALSE(
      LabelSelector::FromJson({{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}).ok());
  EXPECT_FALSE(
      LabelSelector::FromJson({{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}).ok())
      << "In needs values";
}

TEST(KubesimFieldSelectorTest, MatchesDottedFields) {
  nlohmann::json pod = {{"metadata", {{"name", "web-1"}, {"namespace", "shop"}}},
                        {"spec", {{"nodeName", "node-1"}, {"unschedulable", true}}},
                        {"status", {{"phase", "Running"}}}};
  auto match = [&](const std::string& text) {
    auto parsed = FieldSelector::Parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() && parsed->Matches(pod);
  };
  EXPECT_TRUE(match("metadata.name=web-1"));
  EXPECT_TRUE(match("metadata.name==web-1,metadata.namespace=shop"));
  EXPECT_FALSE(match("metadata.name=web-2"));
  EXPECT_TRUE(match("status.phase!=Pending"));
  EXPECT_TRUE(match("spec.unschedulable=true"));
  EXPECT_TRUE(match("spec.missing="));
  EXPECT_TRUE(match(""));
  EXPECT_FALSE(FieldSelector::Parse("metadata.name").ok());
}

}  // namespace
}  // namespace rebound::kubesim
