#include "controller/playbook/playbook_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rebound::controller::playbook {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Labels = std::map<std::string, std::string>;

// Only what matching reads: the name, the matchers and `continue`.
std::shared_ptr<const Playbook> MakePlaybook(const std::string& name, std::string_view matchers,
                                             bool continue_matching = false) {
  common::Result<common::Matchers> parsed = common::Matchers::Parse(matchers);
  EXPECT_TRUE(parsed.ok()) << matchers << ": " << parsed.status().ToString();
  auto playbook = std::make_shared<Playbook>();
  playbook->name = name;
  if (parsed.ok()) playbook->matchers = *parsed;
  playbook->continue_matching = continue_matching;
  return playbook;
}

constexpr bool kContinue = true;

std::vector<std::string> MatchNames(const PlaybookIndex& index, const Labels& labels) {
  std::vector<std::string> names;
  for (const auto& playbook : index.Match(labels)) names.push_back(playbook->name);
  return names;
}

TEST(PlaybookIndexTest, TheFirstMatchingPlaybookWins) {
  PlaybookIndex index({MakePlaybook("a1", R"(alertname="A")"),
                       MakePlaybook("a2", R"(alertname="A")"),
                       MakePlaybook("b", R"(alertname="B")")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}), ElementsAre("a1"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "B"}}), ElementsAre("b"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "C"}}), IsEmpty());
}

TEST(PlaybookIndexTest, AllMatchersMustHold) {
  PlaybookIndex index({MakePlaybook("critical", R"(alertname="A",severity="critical")"),
                       MakePlaybook("fallback", R"(alertname="A")")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"severity", "critical"}}),
              ElementsAre("critical"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"severity", "warning"}}),
              ElementsAre("fallback"));
}

TEST(PlaybookIndexTest, ContinueChainsUpToAndIncludingTheNextMatchWithoutContinue) {
  PlaybookIndex index({MakePlaybook("notify", R"(alertname="A")", kContinue),
                       MakePlaybook("page", R"(alertname="A",severity="page")", kContinue),
                       MakePlaybook("annotate", R"(alertname="A")", kContinue),
                       MakePlaybook("restart", R"(alertname="A")"),
                       MakePlaybook("never", R"(alertname="A")")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}),
              ElementsAre("notify", "annotate", "restart"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"severity", "page"}}),
              ElementsAre("notify", "page", "annotate", "restart"));
}

TEST(PlaybookIndexTest, ContinueOnTheLastMatchReturnsEveryMatch) {
  PlaybookIndex index({MakePlaybook("one", R"(alertname="A")", kContinue),
                       MakePlaybook("two", R"(alertname="A")", kContinue)});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}), ElementsAre("one", "two"));
}

TEST(PlaybookIndexTest, PlaybooksWithoutAnAlertnameAreTriedInLoadOrder) {
  PlaybookIndex index({MakePlaybook("any-critical", R"(severity="critical")", kContinue),
                       MakePlaybook("a-first", R"(alertname="A")", kContinue),
                       MakePlaybook("a-or-b", R"(alertname=~"A|B")", kContinue),
                       MakePlaybook("a-last", R"(alertname="A")"),
                       MakePlaybook("any-critical-last", R"(severity="critical")")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"severity", "critical"}}),
              ElementsAre("any-critical", "a-first", "a-or-b", "a-last"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "B"}, {"severity", "critical"}}),
              ElementsAre("any-critical", "a-or-b", "any-critical-last"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"severity", "warning"}}),
              ElementsAre("a-first", "a-or-b", "a-last"));
}

TEST(PlaybookIndexTest, AnEarlierPlaybookWithoutAnAlertnameBeatsALaterIndexedOne) {
  PlaybookIndex team_first(
      {MakePlaybook("team", R"(team="sre")"), MakePlaybook("a", R"(alertname="A")")});
  EXPECT_THAT(MatchNames(team_first, {{"alertname", "A"}, {"team", "sre"}}), ElementsAre("team"));

  PlaybookIndex a_first(
      {MakePlaybook("a", R"(alertname="A")"), MakePlaybook("team", R"(team="sre")")});
  EXPECT_THAT(MatchNames(a_first, {{"alertname", "A"}, {"team", "sre"}}), ElementsAre("a"));
  EXPECT_THAT(MatchNames(a_first, {{"alertname", "B"}, {"team", "sre"}}), ElementsAre("team"));
}

TEST(PlaybookIndexTest, RegexMatchersAreAnchored) {
  PlaybookIndex index({MakePlaybook("kube", R"(alertname=~"Kube.*Crash.*",namespace!~"kube-.*")"),
                       MakePlaybook("exact", R"(alertname=~"Node")")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}}),
              ElementsAre("kube"));
  EXPECT_THAT(
      MatchNames(index, {{"alertname", "KubePodCrashLooping"}, {"namespace", "kube-system"}}),
      IsEmpty());
  EXPECT_THAT(MatchNames(index, {{"alertname", "XKubePodCrashLooping"}}), IsEmpty());
  EXPECT_THAT(MatchNames(index, {{"alertname", "Node"}}), ElementsAre("exact"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "NodeDown"}}), IsEmpty());
}

TEST(PlaybookIndexTest, AnAbsentLabelMatchesAsTheEmptyString) {
  PlaybookIndex index({MakePlaybook("no-team", R"(alertname="A",team="")", kContinue),
                       MakePlaybook("some-team", R"(alertname="A",team!="")", kContinue),
                       MakePlaybook("not-sre", R"(alertname="A",team!~"sre")", kContinue),
                       MakePlaybook("sre-or-none", R"(alertname="A",team=~"sre|")", kContinue)});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}),
              ElementsAre("no-team", "not-sre", "sre-or-none"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"team", ""}}),
              ElementsAre("no-team", "not-sre", "sre-or-none"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"team", "sre"}}),
              ElementsAre("some-team", "sre-or-none"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}, {"team", "web"}}),
              ElementsAre("some-team", "not-sre"));
}

TEST(PlaybookIndexTest, AnAlertWithoutAnAlertnameMatchesAsAnEmptyOne) {
  PlaybookIndex index({MakePlaybook("named", R"(alertname="A")", kContinue),
                       MakePlaybook("unnamed", R"(alertname="")", kContinue),
                       MakePlaybook("not-a", R"(alertname!="A")", kContinue)});
  EXPECT_THAT(MatchNames(index, {{"severity", "critical"}}), ElementsAre("unnamed", "not-a"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}), ElementsAre("named"));
}

TEST(PlaybookIndexTest, FindsPlaybooksByName) {
  std::shared_ptr<const Playbook> a = MakePlaybook("a", R"(alertname="A")");
  std::shared_ptr<const Playbook> any = MakePlaybook("any", "");
  PlaybookIndex index({a, any});
  EXPECT_EQ(index.Find("a"), a);
  EXPECT_EQ(index.Find("any"), any);
  EXPECT_EQ(index.Find("b"), nullptr);
  EXPECT_THAT(index.playbooks(), ElementsAre(a, any));
}

TEST(PlaybookIndexTest, AnEmptyIndexMatchesNothing) {
  PlaybookIndex index;
  EXPECT_THAT(index.Match({{"alertname", "A"}}), IsEmpty());
  EXPECT_EQ(index.Find("a"), nullptr);
}

TEST(PlaybookIndexTest, APlaybookWithoutMatchersMatchesEveryAlert) {
  PlaybookIndex index({MakePlaybook("a", R"(alertname="A")"), MakePlaybook("catch-all", "")});
  EXPECT_THAT(MatchNames(index, {{"alertname", "A"}}), ElementsAre("a"));
  EXPECT_THAT(MatchNames(index, {{"alertname", "Z"}}), ElementsAre("catch-all"));
  EXPECT_THAT(MatchNames(index, {}), ElementsAre("catch-all"));
}

}  // namespace
}  // namespace rebound::controller::playbook
