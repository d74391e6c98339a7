#include "controller/chaos/experiment_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/actions/label_selector.h"

namespace rebound::controller::chaos {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::StartsWith;

const actions::ActionRegistry& Registry() {
  static const actions::ActionRegistry* registry = [] {
    auto* built = new actions::ActionRegistry();
    actions::RegisterBuiltinActions(*built);
    return built;
  }();
  return *registry;
}

// A playbook the experiments can name in expectHealing; 9 lines.
constexpr std::string_view kPlaybook = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: restore-replicas}
spec:
  match: [alertname=KubeDeploymentReplicasMismatch]
  target: {kind: Deployment, namespace: shop, name: checkout}
  steps:
    - action: restart
---
)";
constexpr int kPlaybookLines = 9;

struct Loaded {
  LoadedExperiments experiments;
  std::vector<std::string> errors;  // "e.yaml:line:col: message"
};

// Loads the playbook above followed by `yaml`, as the file "e.yaml". Lines in `yaml` count
// from kPlaybookLines + 1.
Loaded Load(const std::string& yaml) {
  playbook::PlaybookSet set;
  common::YamlErrors errors("e.yaml");
  std::optional<std::vector<YAML::Node>> docs =
      common::ParseYamlDocuments(std::string(kPlaybook) + yaml, errors);
  EXPECT_TRUE(docs.has_value());
  if (docs) playbook::ParsePlaybookDocuments(*docs, Registry(), set, errors);
  EXPECT_TRUE(errors.empty()) << errors.Sorted().front().ToString();
  Loaded out;
  out.experiments = LoadExperiments(set);
  for (const common::YamlError& e : out.experiments.errors) out.errors.push_back(e.ToString());
  return out;
}

// An error at line `line` of the experiment text (1-based within it) and `column`.
Matcher<std::string> ErrorAt(int line, int column, const std::string& part) {
  return ::testing::AllOf(StartsWith("e.yaml:" + std::to_string(kPlaybookLines + line) + ":" +
                                     std::to_string(column) + ": "),
                          HasSubstr(part));
}

// A valid experiment; `spec_extra` lines are appended to its spec (2-space indented already).
std::string ExperimentText(const std::string& spec_extra = "", const std::string& target = "",
                           const std::string& fault = "") {
  return "apiVersion: rebound.io/v1\n"              // 1
         "kind: ChaosExperiment\n"                  // 2
         "metadata: {name: checkout-scale-down}\n"  // 3
         "spec:\n"                                  // 4
         "  recoverWithin: 5m\n" +                  // 5
         (target.empty() ? "  target: {kind: Deployment, namespace: shop, selector: app=checkout}\n"
                         : target) +                                            // 6
         (fault.empty() ? "  fault: {type: scale-down, count: 1}\n" : fault) +  // 7
         spec_extra;                                                            // 8..
}

TEST(ExperimentLoaderTest, ReadsEveryField) {
  Loaded loaded = Load(R"(apiVersion: rebound.io/v1
kind: ChaosExperiment
metadata:
  name: checkout-scale-to-zero
spec:
  schedule: "*/30 * * * *"
  timezone: Europe/Berlin
  windows: [{ days: Mon-Fri, hours: "09:00-17:00" }, { days: [Sat, Sun], hours: "10:00-12:00" }]
  suspend: true
  startingDeadline: 2m
  target:
    kind: Deployment
    namespace: shop
    selector: app=checkout,tier in (web, api),!canary
    pick: least-recently-proven
  fault:
    type: scale-to-zero
  steadyState:
    - 'kube_deployment_status_replicas_available{namespace="shop",deployment="checkout"} >= 2'
  recoverWithin: 5m
  expectHealing: { playbook: restore-replicas }
  abortIf:
    firingAlerts: ['severity="critical"', '{alertname=~"Kube.*", namespace="shop"}']
  dryRun: true
)");
  ASSERT_THAT(loaded.errors, IsEmpty());
  ASSERT_EQ(loaded.experiments.experiments.size(), 1u);
  const Experiment& e = *loaded.experiments.experiments[0];
  EXPECT_EQ(e.name, "checkout-scale-to-zero");
  EXPECT_EQ(e.source, "e.yaml:" + std::to_string(kPlaybookLines + 1));
  ASSERT_TRUE(e.schedule.cron.has_value());
  EXPECT_EQ(e.schedule.cron->text(), "*/30 * * * *");
  EXPECT_EQ(e.schedule.zone.name(), "Europe/Berlin");
  ASSERT_EQ(e.schedule.windows.size(), 2u);
  EXPECT_EQ(e.schedule.windows[0].days.to_string(), "0111110");
  EXPECT_EQ(e.schedule.windows[0].start_minute, 9 * 60);
  EXPECT_EQ(e.schedule.windows[0].end_minute, 17 * 60);
  EXPECT_EQ(e.schedule.windows[1].days.to_string(), "1000001");
  EXPECT_TRUE(e.schedule.suspend);
  EXPECT_EQ(e.schedule.starting_deadline, std::chrono::minutes(2));
  EXPECT_EQ(e.target.kind, TargetKind::kDeployment);
  EXPECT_EQ(e.target.ns, "shop");
  EXPECT_EQ(e.target.pick, Pick::kLeastRecentlyProven);
  EXPECT_TRUE(
      actions::SelectorMatches(e.target.selector_json, {{"app", "checkout"}, {"tier", "web"}}));
  EXPECT_FALSE(actions::SelectorMatches(e.target.selector_json,
                                        {{"app", "checkout"}, {"tier", "web"}, {"canary", "1"}}));
  EXPECT_EQ(*actions::SelectorQuery(e.target.selector_json),
            "app=checkout,tier in (web,api),!canary");
  EXPECT_EQ(e.fault.type, FaultType::kScaleToZero);
  EXPECT_EQ(e.steady_state.size(), 1u);
  EXPECT_EQ(e.recover_within, std::chrono::minutes(5));
  EXPECT_EQ(e.expect_healing, "restore-replicas");
  ASSERT_EQ(e.abort_if_firing.size(), 2u);
  EXPECT_TRUE(
      e.abort_if_firing[1].Matches({{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}}));
  EXPECT_TRUE(e.dry_run);
}

TEST(ExperimentLoaderTest, DefaultsApply) {
  Loaded loaded = Load(ExperimentText());
  ASSERT_THAT(loaded.errors, IsEmpty());
  const Experiment& e = *loaded.experiments.experiments.at(0);
  EXPECT_EQ(e.schedule.zone.name(), "UTC");
  EXPECT_EQ(e.schedule.starting_deadline, std::chrono::minutes(5));
  EXPECT_FALSE(e.schedule.cron || e.schedule.every);
  EXPECT_EQ(e.target.pick, Pick::kRandom);
  EXPECT_FALSE(e.allow_total_outage);
  EXPECT_FALSE(e.dry_run);
  EXPECT_EQ(e.fault.count, 1);
}

TEST(ExperimentLoaderTest, BadCronIsReportedAtTheSchedule) {
  EXPECT_THAT(Load(ExperimentText("  schedule: \"*/30 * * *\"\n")).errors,
              ElementsAre(ErrorAt(8, 13, "\"spec.schedule\": \"*/30 * * *\" has 4 field(s)")));
  EXPECT_THAT(Load(ExperimentText("  schedule: 61 * * * *\n")).errors,
              ElementsAre(ErrorAt(8, 13, "minute \"61\": 61 is outside 0-59")));
}

TEST(ExperimentLoaderTest, UnknownFaultSuggestsTheClosest) {
  EXPECT_THAT(
      Load(ExperimentText("", "", "  fault: {type: pod-kil, count: 1}\n")).errors,
      ElementsAre(ErrorAt(7, 17, "unknown fault \"pod-kil\" (did you mean \"pod-kill\"?)")));
}

TEST(ExperimentLoaderTest, CountAndPercentExactlyWhenTheFaultNeedsOne) {
  EXPECT_THAT(Load(ExperimentText("", "", "  fault: {type: pod-kill}\n")).errors,
              ElementsAre(ErrorAt(7, 10, "\"pod-kill\" needs exactly one of \"count\"")));
  EXPECT_THAT(
      Load(ExperimentText("", "", "  fault: {type: pod-kill, count: 1, percent: 30}\n")).errors,
      ElementsAre(ErrorAt(7, 37, "needs exactly one of")));
  EXPECT_THAT(Load(ExperimentText("", "", "  fault: {type: scale-to-zero, count: 1}\n")).errors,
              ElementsAre(ErrorAt(7, 32, "\"scale-to-zero\" takes no \"count\"")));
  EXPECT_THAT(Load(ExperimentText("", "", "  fault: {type: scale-down, percent: 100}\n")).errors,
              ElementsAre(ErrorAt(7, 38, "set \"spec.allowTotalOutage: true\"")));
  EXPECT_THAT(Load(ExperimentText("  allowTotalOutage: true\n", "",
                                  "  fault: {type: scale-down, percent: 100}\n"))
                  .errors,
              IsEmpty());
}

TEST(ExperimentLoaderTest, ImpossibleWindows) {
  EXPECT_THAT(Load(ExperimentText("  windows: [{days: Mon-Fri, hours: \"17:00-09:00\"}]\n")).errors,
              ElementsAre(ErrorAt(8, 36, "crosses midnight")));
  EXPECT_THAT(Load(ExperimentText("  windows: [{days: Mon-Fri, hours: \"09:00-09:00\"}]\n")).errors,
              ElementsAre(ErrorAt(8, 36, "an empty window")));
  EXPECT_THAT(Load(ExperimentText("  windows: [{days: Mon-Fri, hours: \"9-17\"}]\n")).errors,
              ElementsAre(ErrorAt(8, 36, "expected HH:MM-HH:MM")));
  EXPECT_THAT(Load(ExperimentText("  windows: [{days: Fri-Mon}]\n")).errors,
              ElementsAre(ErrorAt(8, 20, "runs backwards")));
  EXPECT_THAT(Load(ExperimentText("  windows: []\n")).errors,
              ElementsAre(ErrorAt(8, 12, "expected a non-empty list of windows")));
  // A cron schedule that never fires inside the windows.
  EXPECT_THAT(Load(ExperimentText("  schedule: \"0 3 * * *\"\n"
                                  "  windows: [{days: Mon-Fri, hours: \"09:00-17:00\"}]\n"))
                  .errors,
              ElementsAre(ErrorAt(9, 12, "never fires inside \"spec.windows\"")));
  EXPECT_THAT(Load(ExperimentText("  schedule: \"0 10 * * SAT\"\n"
                                  "  windows: [{days: Mon-Fri, hours: \"09:00-17:00\"}]\n"))
                  .errors,
              ElementsAre(ErrorAt(9, 12, "never fires inside")));
}

TEST(ExperimentLoaderTest, UnknownTimezone) {
  EXPECT_THAT(Load(ExperimentText("  timezone: Europe/Berln\n")).errors,
              ElementsAre(ErrorAt(8, 13, "unknown time zone \"Europe/Berln\"")));
}

TEST(ExperimentLoaderTest, BadSelector) {
  EXPECT_THAT(
      Load(ExperimentText(
               "", "  target: {kind: Deployment, namespace: shop, selector: \"app in web\"}\n"))
          .errors,
      ElementsAre(ErrorAt(6, 57, "bad label selector \"app in web\": column 8: expected \"(\"")));
  EXPECT_THAT(
      Load(ExperimentText("", "  target: {kind: Deployment, namespace: shop, selector: \"\"}\n"))
          .errors,
      ElementsAre(ErrorAt(6, 57, "an empty selector selects everything")));
  EXPECT_THAT(Load(ExperimentText(
                       "", "  target: {kind: Deployment, namespace: shop, selector: a, name: b}\n"))
                  .errors,
              ElementsAre(ErrorAt(6, 60, "needs exactly one of \"selector\"")));
}

TEST(ExperimentLoaderTest, MissingRecoverWithin) {
  std::string text = ExperimentText();
  text.erase(text.find("  recoverWithin: 5m\n"), 20);
  EXPECT_THAT(Load(text).errors, ElementsAre(ErrorAt(5, 3, "\"spec.recoverWithin\" is required")));
}

TEST(ExperimentLoaderTest, ExpectHealingMustNameALoadedPlaybook) {
  EXPECT_THAT(Load(ExperimentText("  expectHealing: {playbook: restore-replica}\n")).errors,
              ElementsAre(ErrorAt(8, 29,
                                  "no playbook named \"restore-replica\" is loaded "
                                  "(did you mean \"restore-replicas\"?)")));
}

TEST(ExperimentLoaderTest, SteadyStateMustLookLikePromql) {
  EXPECT_THAT(Load(ExperimentText("  steadyState:\n"
                                  "    - 'up{job=\"checkout\"'\n"
                                  "    - 'sum(rate(x[5m])'\n"
                                  "    - '  '\n"
                                  "    - 'up{job=\"checkout}'\n"))
                  .errors,
              ElementsAre(ErrorAt(9, 7,
                                  "\"spec.steadyState[0]\" is not a PromQL query: column 3: "
                                  "\"{\" is never closed"),
                          ErrorAt(10, 7, "column 4: \"(\" is never closed"),
                          ErrorAt(11, 7, "expected a PromQL expression, got nothing"),
                          ErrorAt(12, 7, "column 8: string opened here is not closed")));
}

TEST(ExperimentLoaderTest, UnknownKeysAreErrors) {
  EXPECT_THAT(Load(ExperimentText("  recoverWithn: 5m\n")).errors,
              ElementsAre(ErrorAt(8, 3, "recoverWithn")));
  EXPECT_THAT(
      Load(ExperimentText("", "", "  fault: {type: scale-down, count: 1, jitter: 1}\n")).errors,
      ElementsAre(ErrorAt(7, 39, "unknown key \"jitter\" in spec.fault")));
}

TEST(ExperimentLoaderTest, AbortIfUsesAlertmanagerMatchers) {
  EXPECT_THAT(
      Load(ExperimentText("  abortIf: {firingAlerts: ['severity=~\"(critical\"']}\n")).errors,
      ElementsAre(ErrorAt(8, 28, "missing )")));
  EXPECT_THAT(Load(ExperimentText("  abortIf: {firingAlerts: ['severity critical']}\n")).errors,
              ElementsAre(ErrorAt(8, 28, "bad matcher")));
}

TEST(ExperimentLoaderTest, EveryAndJitter) {
  EXPECT_THAT(Load(ExperimentText("  every: 6h\n  jitter: 10m\n")).errors, IsEmpty());
  EXPECT_THAT(Load(ExperimentText("  every: 1h\n  jitter: 1h\n")).errors,
              ElementsAre(ErrorAt(9, 11, "must be shorter than \"spec.every\"")));
  EXPECT_THAT(Load(ExperimentText("  jitter: 10m\n")).errors,
              ElementsAre(ErrorAt(8, 3, "needs every")));
  EXPECT_THAT(Load(ExperimentText("  every: 6h\n  schedule: \"@daily\"\n")).errors,
              ElementsAre(ErrorAt(8, 3, "not both")));
}

TEST(ExperimentLoaderTest, NamespaceIsANamespaceName) {
  for (const char* bad : {"\"\"", "Shop", "shop_eu"}) {
    EXPECT_THAT(Load(ExperimentText("", std::string("  target: {kind: Deployment, namespace: ") +
                                            bad + ", name: checkout}\n"))
                    .errors,
                ElementsAre(ErrorAt(6, 41, "is not a namespace name")))
        << bad;
  }
}

TEST(ExperimentLoaderTest, NodeTargets) {
  EXPECT_THAT(Load(ExperimentText("", "  target: {kind: Node, selector: pool=spot}\n",
                                  "  fault: {type: cordon-node}\n"))
                  .errors,
              IsEmpty());
  EXPECT_THAT(Load(ExperimentText("", "  target: {kind: Node, namespace: shop, name: n1}\n",
                                  "  fault: {type: cordon-node}\n"))
                  .errors,
              ElementsAre(ErrorAt(6, 24, "Nodes have no namespace")));
  EXPECT_THAT(Load(ExperimentText("", "  target: {kind: Node, name: n1}\n")).errors,
              ElementsAre(ErrorAt(7, 17, "a Node target takes only \"cordon-node\"")));
}

TEST(ExperimentLoaderTest, NamesAreUniqueAndWellFormed) {
  EXPECT_THAT(Load(ExperimentText() + "---\n" + ExperimentText()).errors,
              ElementsAre(ErrorAt(11, 18,
                                  "experiment \"checkout-scale-down\" is already defined "
                                  "at e.yaml:10")));
  std::string bad = ExperimentText();
  bad.replace(bad.find("checkout-scale-down"), 19, "Checkout_Scale");
  EXPECT_THAT(Load(bad).errors, ElementsAre(ErrorAt(3, 18, "is not a valid experiment name")));
}

TEST(ExperimentLoaderTest, ErrorsOfSeveralExperimentsAllReported) {
  Loaded loaded = Load(ExperimentText("  timezone: Mars/Olympus\n") + "---\n" +
                       ExperimentText("  schedule: \"@reboot\"\n"));
  EXPECT_EQ(loaded.errors.size(), 2u);
  EXPECT_THAT(loaded.experiments.experiments, IsEmpty());
}

}  // namespace
}  // namespace rebound::controller::chaos
