// `rebound coverage` (app/coverage.h): reading alerting rules, matching them to playbooks from
// their static labels, the gaps, and asking a daemon (a port-0 fake, or none) when each
// playbook was last proven.
#include "app/coverage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/http_server.h"
#include "controller/actions/action.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/playbook/playbook_loader.h"
#include "tests/support/process.h"

namespace rebound::app {
namespace {

using ::testing::_;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kRules[] = R"(groups:
  - name: g
    labels: { team: shop }
    rules:
      - record: a:b:c
        expr: up
      - alert: ScaledDown
        expr: x > 0
        labels: { severity: warning }
      - alert: Burn
        expr: y > 0
        labels: { severity: critical, owner: "{{ $labels.team }}" }
      - alert: Lonely
        expr: z > 0
        labels: { severity: info }
)";

std::string Playbook(const std::string& name, const std::string& match, bool cont = false) {
  return "apiVersion: rebound.io/v1\nkind: Playbook\nmetadata: {name: " + name +
         "}\nspec:\n  match: " + match + "\n" + (cont ? "  continue: true\n" : "") +
         "  target: {kind: Deployment, namespace: \"{{ labels.namespace }}\", name: "
         "\"{{ labels.deployment }}\"}\n  steps: [{action: restart}]\n---\n";
}

std::string Experiment(const std::string& name, const std::string& playbook) {
  return "apiVersion: rebound.io/v1\nkind: ChaosExperiment\nmetadata: {name: " + name +
         "}\nspec:\n  target: {kind: Deployment, namespace: shop, name: web}\n"
         "  fault: {type: scale-to-zero}\n  recoverWithin: 5m\n"
         "  expectHealing: {playbook: " +
         playbook + "}\n---\n";
}

class CoverageTest : public ::testing::Test {
 protected:
  std::vector<AlertRule> Rules(const std::string& text) {
    testing::WriteFile(dir_.File("rules.yml"), text);
    common::YamlErrors errors(dir_.File("rules.yml"));
    std::vector<AlertRule> rules = LoadAlertRules(dir_.File("rules.yml"), errors);
    for (const auto& e : errors.Sorted()) ADD_FAILURE() << e.ToString();
    return rules;
  }
  std::vector<std::string> RuleErrors(const std::string& text) {
    testing::WriteFile(dir_.File("bad.yml"), text);
    common::YamlErrors errors(dir_.File("bad.yml"));
    (void)LoadAlertRules(dir_.File("bad.yml"), errors);
    std::vector<std::string> found;
    for (const auto& e : errors.Sorted()) found.push_back(e.ToString());
    return found;
  }
  controller::playbook::LoadedPlaybooks Playbooks(const std::string& text) {
    testing::WriteFile(dir_.File("playbooks.yaml"), text);
    controller::actions::ActionRegistry registry;
    controller::actions::RegisterBuiltinActions(registry);
    controller::playbook::LoadedPlaybooks loaded =
        controller::playbook::LoadPlaybooks({dir_.File("playbooks.yaml")}, "", registry);
    for (const auto& e : loaded.errors) ADD_FAILURE() << e.ToString();
    return loaded;
  }
  std::vector<PlaybookMatch> Match(const AlertRule& rule, const std::string& playbooks) {
    return MatchPlaybooks(rule, Playbooks(playbooks).set.playbooks);
  }
  AlertRule Rule(std::map<std::string, std::string> labels) {
    AlertRule rule;
    rule.alert = labels["alertname"];
    rule.static_labels = std::move(labels);
    return rule;
  }

  testing::TempDir dir_;
};

TEST_F(CoverageTest, ReadsAlertingRulesWithTheirStaticLabels) {
  std::vector<AlertRule> rules = Rules(kRules);
  ASSERT_EQ(rules.size(), 3u);  // the recording rule is skipped
  EXPECT_EQ(rules[0].alert, "ScaledDown");
  EXPECT_EQ(rules[0].line, 7);
  EXPECT_EQ(rules[0].column, 9);
  EXPECT_THAT(rules[0].static_labels,
              UnorderedElementsAre(Pair("alertname", "ScaledDown"), Pair("severity", "warning"),
                                   Pair("team", "shop")));
  // A templated label is decided per alert, like the expression's labels.
  EXPECT_THAT(rules[1].static_labels, Not(Contains(Pair("owner", _))));
  EXPECT_THAT(rules[1].templated_labels, ElementsAre("owner"));
}

TEST_F(CoverageTest, ReportsRuleFileErrorsWithTheirPosition) {
  const std::string file = dir_.File("bad.yml");
  EXPECT_THAT(RuleErrors("groups:\n  - name: g\n    rules:\n      - alert: A\n        exp: x\n"),
              ElementsAre(file + ":4:9: \"groups[0].rules[0].expr\" is required",
                          file + ":5:9: unknown key \"exp\" in groups[0].rules[0] (did you mean "
                                 "\"expr\"?)"));
  EXPECT_THAT(RuleErrors("groups:\n  - name: g\n    rules:\n      - expr: x\n"),
              ElementsAre(file + ":4:9: \"groups[0].rules[0]\": a rule needs exactly one of "
                                 "\"alert\" and \"record\""));
  EXPECT_THAT(RuleErrors("groups: [\n"), ElementsAre(HasSubstr(file + ":2:1: ")));
  EXPECT_THAT(RuleErrors("groups: {}\n"),
              ElementsAre(file + ":1:9: \"groups\": expected a list of rule groups, got a "
                                 "mapping"));
}

TEST_F(CoverageTest, StaticLabelsDecideAMatch) {
  const std::string playbooks =
      Playbook("critical-only", "[ 'alertname = \"Burn\"', 'severity = \"critical\"' ]") +
      Playbook("scaled", "[ 'alertname = \"ScaledDown\"' ]");
  EXPECT_THAT(Match(Rule({{"alertname", "Burn"}, {"severity", "warning"}}), playbooks), IsEmpty());
  std::vector<PlaybookMatch> m =
      Match(Rule({{"alertname", "ScaledDown"}, {"severity", "warning"}}), playbooks);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].playbook, "scaled");
  EXPECT_TRUE(m[0].certain());
}

TEST_F(CoverageTest, RegexMatchersGoThroughTheMatcherCode) {
  const std::string playbooks =
      Playbook("warnings", "[ 'alertname =~ \"Scaled.*|Burn\"', 'severity !~ \"crit.*\"' ]");
  EXPECT_THAT(Match(Rule({{"alertname", "ScaledDown"}, {"severity", "warning"}}), playbooks),
              ElementsAre(Field(&PlaybookMatch::playbook, "warnings")));
  // Anchored: "Scaled.*" does not match "NotScaled".
  EXPECT_THAT(Match(Rule({{"alertname", "NotScaled"}, {"severity", "warning"}}), playbooks),
              IsEmpty());
  EXPECT_THAT(Match(Rule({{"alertname", "Burn"}, {"severity", "critical"}}), playbooks), IsEmpty());
}

TEST_F(CoverageTest, AMatcherOnALabelTheRuleDoesNotSetMayMatch) {
  const std::string playbooks =
      Playbook("not-system", "[ 'alertname = \"ScaledDown\"', 'namespace != \"kube-system\"' ]") +
      Playbook("fallback", "[ 'alertname = \"ScaledDown\"' ]") +
      Playbook("after", "[ 'alertname = \"ScaledDown\"' ]");
  std::vector<PlaybookMatch> m =
      Match(Rule({{"alertname", "ScaledDown"}, {"severity", "warning"}}), playbooks);
  // The first may match: the search goes on to the next, which certainly matches and ends it.
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].playbook, "not-system");
  EXPECT_THAT(m[0].depends_on, ElementsAre("namespace!=\"kube-system\""));
  EXPECT_EQ(m[1].playbook, "fallback");
  EXPECT_TRUE(m[1].certain());
  // A static label that contradicts a matcher excludes the playbook even with open ones.
  EXPECT_THAT(Match(Rule({{"alertname", "ScaledDown"}, {"namespace", "kube-system"}}), playbooks),
              ElementsAre(Field(&PlaybookMatch::playbook, "fallback")));
}

TEST_F(CoverageTest, ContinueLetsLaterPlaybooksMatchToo) {
  const std::string playbooks = Playbook("first", "[ 'alertname = \"A\"' ]", true) +
                                Playbook("second", "[ 'alertname = \"A\"' ]") +
                                Playbook("third", "[ 'alertname = \"A\"' ]");
  std::vector<PlaybookMatch> m = Match(Rule({{"alertname", "A"}}), playbooks);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].playbook, "first");
  EXPECT_EQ(m[1].playbook, "second");
}

TEST_F(CoverageTest, GapsAreUnhealedAlertsAndUnprovenPlaybooks) {
  controller::playbook::LoadedPlaybooks loaded =
      Playbooks(Playbook("scaled", "[ 'alertname = \"ScaledDown\"' ]") +
                Playbook("burn", "[ 'alertname = \"Burn\"', 'namespace = \"shop\"' ]") +
                Experiment("scale-to-zero", "scaled"));
  controller::chaos::LoadedExperiments experiments = controller::chaos::LoadExperiments(loaded.set);
  ASSERT_THAT(experiments.errors, IsEmpty());
  CoverageReport report =
      AnalyzeCoverage(Rules(kRules), loaded.set.playbooks, experiments.experiments,
                      "http://127.0.0.1:1", common::Unavailable("connection refused"));
  ASSERT_EQ(report.UnhealedAlerts().size(), 1u);
  EXPECT_EQ(report.UnhealedAlerts()[0]->alert, "Lonely");  // "may" counts as healed
  EXPECT_THAT(report.UnprovenPlaybooks(), ElementsAre("burn"));
  EXPECT_TRUE(report.HasGaps());
  EXPECT_THAT(report.playbooks[0].experiments, ElementsAre("scale-to-zero"));
  EXPECT_FALSE(report.playbooks[0].daemon.has_value());

  nlohmann::json json = CoverageJson(report);
  EXPECT_EQ(json["gaps"]["unproven_playbooks"], nlohmann::json::array({"burn"}));
  EXPECT_EQ(json["gaps"]["unhealed_alerts"][0]["alert"], "Lonely");
  EXPECT_EQ(json["alerts"][1]["playbooks"][0]["match"], "may_match");
  EXPECT_EQ(json["daemon"]["reachable"], false);
  EXPECT_TRUE(json["playbooks"][0]["last_proven"].is_null());

  std::ostringstream text;
  PrintCoverage(report, text);
  EXPECT_THAT(text.str(), HasSubstr("may be healed by burn (if the alert's labels from the "
                                    "expression satisfy namespace=\"shop\")"));
  EXPECT_THAT(text.str(), HasSubstr("last proven: unknown (daemon not reachable)"));
  EXPECT_THAT(text.str(), HasSubstr("alerts no playbook heals (1):\n    Lonely "
                                    "{severity=\"info\",team=\"shop\"}"));
  EXPECT_THAT(text.str(), HasSubstr("playbooks no experiment proves (1):\n    burn\n"));
}

TEST_F(CoverageTest, ParsesTheDaemonsAnswerAndRefusesOtherShapes) {
  common::Result<DaemonCoverage> ok = ParseDaemonCoverage(
      R"({"playbooks":[{"playbook":"a","last_proven":"2026-12-07T10:00:00Z",
          "last_recovery_seconds":12.5,"experiments":["e"]},
         {"playbook":"b","last_proven":null,"last_recovery_seconds":null,"experiments":[]}]})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->at("a").last_proven, "2026-12-07T10:00:00Z");
  EXPECT_EQ(ok->at("a").last_recovery_seconds, 12.5);
  EXPECT_THAT(ok->at("a").experiments, ElementsAre("e"));
  EXPECT_FALSE(ok->at("b").last_proven.has_value());
  EXPECT_FALSE(ParseDaemonCoverage("not json").ok());
  EXPECT_FALSE(ParseDaemonCoverage(R"({"playbooks":{}})").ok());
  EXPECT_FALSE(ParseDaemonCoverage(R"({"playbooks":[{"playbook":"a","last_proven":5}]})").ok());
  EXPECT_FALSE(
      ParseDaemonCoverage(R"({"playbooks":[{"playbook":"a","last_recovery_seconds":"x"}]})").ok());
}

TEST_F(CoverageTest, DaemonBaseUrlFollowsTheListenAddress) {
  EXPECT_EQ(DaemonBaseUrl("127.0.0.1:9464", false).value(), "http://127.0.0.1:9464");
  EXPECT_EQ(DaemonBaseUrl("0.0.0.0:9464", true).value(), "https://127.0.0.1:9464");
  EXPECT_FALSE(DaemonBaseUrl("nonsense", false).ok());
}

class CoverageCommandTest : public CoverageTest {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("rules.yml"), kRules);
    testing::WriteFile(dir_.File("playbooks.yaml"),
                       Playbook("scaled", "[ 'alertname = \"ScaledDown\"' ]") +
                           Experiment("scale-to-zero", "scaled"));
    options_.playbook_patterns = {dir_.File("playbooks.yaml")};
    options_.rule_files = {dir_.File("rules.yml")};
    options_.http = &http_;
  }
  int Run() { return RunCoverage(options_, out_, err_); }

  common::CurlHttpClient http_;
  CoverageOptions options_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CoverageCommandTest, AsksTheRunningDaemonWhenEachPlaybookWasLastProven) {
  common::HttpServer daemon(common::HttpServer::Options{});
  common::HttpServer::Route route;
  route.methods = {"GET"};
  route.handler = [](const common::HttpRequest&) {
    return common::HttpResponse::Text(
        200,
        R"({"playbooks":[{"playbook":"scaled","last_proven":"2026-12-07T10:00:00Z",)"
        R"("last_recovery_seconds":12.5,"experiments":["scale-to-zero"]}]})",
        "application/json");
  };
  daemon.Handle("/api/v1/coverage", std::move(route));
  ASSERT_TRUE(daemon.Start().ok());
  options_.daemon_url = "http://127.0.0.1:" + std::to_string(daemon.port());

  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("answered"));
  EXPECT_THAT(out_.str(), HasSubstr("ScaledDown {severity=\"warning\",team=\"shop\"}  " +
                                    dir_.File("rules.yml") +
                                    ":7:9\n  healed by scaled\n"
                                    "    proven by: scale-to-zero\n"
                                    "    last proven: 2026-12-07T10:00:00Z (recovered in 12.5s)"));

  options_.json = true;
  out_.str("");
  EXPECT_EQ(Run(), 0);
  nlohmann::json json = nlohmann::json::parse(out_.str());
  EXPECT_EQ(json["playbooks"][0]["last_proven"], "2026-12-07T10:00:00Z");
  EXPECT_EQ(json["playbooks"][0]["last_recovery_seconds"], 12.5);
  daemon.Stop();
}

TEST_F(CoverageCommandTest, WithNoDaemonLastProvenIsUnknownAndGapsCanFail) {
  // A port that was just free: nothing listens there.
  options_.daemon_url = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("not reachable ("));
  EXPECT_THAT(out_.str(), HasSubstr("last proven: unknown (daemon not reachable)"));
  // Burn and Lonely are healed by nothing.
  options_.fail_on_gaps = true;
  EXPECT_EQ(Run(), 1);
}

TEST_F(CoverageCommandTest, InvalidRuleFilesAreErrorsWithTheirPosition) {
  testing::WriteFile(dir_.File("rules.yml"), "groups:\n  - nme: g\n");
  EXPECT_EQ(Run(), 2);
  EXPECT_THAT(err_.str(), HasSubstr(dir_.File("rules.yml") + ":2:5: unknown key \"nme\""));
  EXPECT_THAT(out_.str(), IsEmpty());
}

}  // namespace
}  // namespace rebound::app
