#include "app/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/time_format.h"
#include "common/yaml_util.h"
#include "controller/actions/action.h"
#include "controller/playbook/playbook_loader.h"
#include "kube/memory_kube_client.h"
#include "kube/resource.h"

namespace rebound::app {
namespace {

using controller::healing::HealRecord;
using controller::intake::Alert;
using controller::intake::IntakeOutcome;
using ::testing::ElementsAre;

constexpr char kCrashLoop[] = R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: crashloop
spec:
  match:
    - alertname = "KubePodCrashLooping"
  target:
    kind: Deployment
    namespace: "{{ labels.namespace }}"
    name: "{{ labels.deployment }}"
  steps:
    - action: restart
    - action: rollback
    - action: notify
      message: "Could not heal {{ target }}"
  guardrails:
    cooldown: 10m
---
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: db-restart
spec:
  match:
    - alertname = "DatabaseStuck"
  target:
    kind: StatefulSet
    namespace: "{{ labels.namespace }}"
    name: "{{ labels.statefulset }}"
  steps:
    - action: restart
)";

const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 1};

Alert CrashLooping(const std::string& name = "web") {
  Alert alert;
  alert.labels = {
      {"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}, {"deployment", name}};
  alert.starts_at = common::Timestamp::FromTimePoint(kNow);
  alert.ends_at = common::Timestamp::Zero();
  return alert;
}

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() {
    controller::actions::RegisterBuiltinActions(actions_);
    common::YamlErrors errors("playbooks.yaml");
    controller::playbook::PlaybookSet set;
    if (auto docs = common::ParseYamlDocuments(kCrashLoop, errors)) {
      controller::playbook::ParsePlaybookDocuments(*docs, actions_, set, errors);
    }
    for (const common::YamlError& e : errors.Sorted()) ADD_FAILURE() << e.ToString();
    input_.playbooks = std::make_shared<controller::playbook::PlaybookIndex>(set.playbooks);
    input_.actions = &actions_;
    input_.kube = &kube_;
    input_.now = kNow;
  }

  void PutDeployment(const std::string& name) {
    nlohmann::json d;
    d["metadata"] = {{"name", name}, {"namespace", "shop"}, {"generation", 1}};
    d["spec"]["replicas"] = 2;
    d["spec"]["selector"]["matchLabels"] = {{"app", name}};
    d["spec"]["template"]["metadata"]["labels"] = {{"app", name}};
    d["status"] = {{"observedGeneration", 1},
                   {"replicas", 2},
                   {"updatedReplicas", 2},
                   {"readyReplicas", 2},
                   {"availableReplicas", 2}};
    store_.Put(kube::kDeployments, d);
  }

  Plan MustPlan() {
    common::Result<Plan> plan = MakePlan(input_);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? *plan : Plan();
  }

  static std::vector<std::string> Path(const AlertPlan& alert) {
    std::vector<std::string> out;
    for (const HealRecord& r : alert.records) {
      std::string entry = std::string(HealRecordKindName(r.kind)) + ":" +
                          (r.action.empty() ? "" : r.action + ":") + r.result;
      if (!r.reason.empty()) entry += ":" + r.reason;
      out.push_back(entry);
    }
    return out;
  }

  controller::actions::ActionRegistry actions_;
  kube::MemoryKubeStore store_;
  kube::MemoryKubeClient kube_{store_};
  PlanInput input_;
};

TEST_F(PlanTest, RecordsTheWholeDryRunPathAndChangesNothing) {
  PutDeployment("web");
  const auto before = store_.Snapshot();
  input_.guardrails.dry_run = false;  // forced on all the same
  input_.alerts = {CrashLooping()};

  Plan plan = MustPlan();

  ASSERT_EQ(plan.alerts.size(), 1u);
  EXPECT_EQ(plan.alerts[0].intake, IntakeOutcome::kNew);
  EXPECT_THAT(Path(plan.alerts[0]), ElementsAre("decision:matched", "action:restart:dry_run",
                                                "action:rollback:failed:no_previous_revision",
                                                "action:notify:dry_run", "outcome:dry_run"));
  EXPECT_EQ(store_.Snapshot(), before);
  for (const std::string& call : kube_.calls()) {
    EXPECT_TRUE(call.rfind("get ", 0) == 0 || call.rfind("list ", 0) == 0) << call;
  }
  ASSERT_FALSE(plan.alerts[0].notifications.empty());
  for (const auto& n : plan.alerts[0].notifications) EXPECT_TRUE(n.dry_run) << n.title;
}

TEST_F(PlanTest, PrintsOneLinePerAlertPlaybookAndStep) {
  PutDeployment("web");
  input_.alerts = {CrashLooping(), CrashLooping("api")};
  input_.alerts[1].labels["alertname"] = "DiskFull";

  std::ostringstream out;
  PrintPlan(MustPlan(), out, false);

  EXPECT_EQ(out.str(),
            "KubePodCrashLooping {deployment=\"web\", namespace=\"shop\"}\n"
            "  playbook crashloop → Deployment shop/web\n"
            "    1. restart: would restart Deployment shop/web\n"
            "    2. rollback: failed (no_previous_revision): Deployment shop/web has no revision "
            "to roll back to (0 ReplicaSets)\n"
            "    3. notify: would notify: Could not heal shop/web\n"
            "DiskFull {deployment=\"api\", namespace=\"shop\"}\n"
            "  no playbook matches\n");
}

TEST_F(PlanTest, NotificationsArePrintedNotSent) {
  PutDeployment("web");
  input_.alerts = {CrashLooping()};
  std::ostringstream out;
  PrintPlan(MustPlan(), out, true);
  EXPECT_THAT(out.str(),
              ::testing::HasSubstr("  slack (action): Dry run: would restart Deployment shop/web — "
                                   "nothing was changed\n"));
}

TEST_F(PlanTest, HistoryStartsCooldownsAndOpensTheCircuitBreaker) {
  PutDeployment("web");
  PutDeployment("api");
  HealRecord restart;
  restart.kind = HealRecord::Kind::kAction;
  restart.playbook = "crashloop";
  restart.target = "Deployment shop/web";
  restart.action = "restart";
  restart.result = "done";
  restart.at = kNow - std::chrono::minutes(5);
  HealRecord failure;
  failure.kind = HealRecord::Kind::kOutcome;
  failure.target = "Deployment shop/api";
  failure.result = "unhealed";
  failure.at = kNow - std::chrono::minutes(5);
  input_.history = {restart, failure};
  input_.guardrails.circuit_breaker_failures = 1;
  input_.alerts = {CrashLooping("web"), CrashLooping("api")};

  Plan plan = MustPlan();

  ASSERT_EQ(plan.alerts.size(), 2u);
  EXPECT_THAT(Path(plan.alerts[0]), ElementsAre("decision:refused:cooldown"));
  EXPECT_THAT(Path(plan.alerts[1]), ElementsAre("decision:refused:circuit_open"));
  std::ostringstream out;
  PrintPlan(plan, out, false);
  EXPECT_THAT(out.str(), ::testing::HasSubstr(
                             "  playbook crashloop → Deployment shop/web\n"
                             "    refused (cooldown): playbook crashloop acted on Deployment "
                             "shop/web 5m ago; cooldown is 10m, so it may act again in 5m\n"));
}

TEST_F(PlanTest, ResolvedAndRepeatedAlertsHaveNothingToDo) {
  PutDeployment("web");
  Alert resolved = CrashLooping("old");
  resolved.status = controller::intake::AlertStatus::kResolved;
  resolved.ends_at = common::Timestamp::FromTimePoint(kNow);
  input_.alerts = {CrashLooping(), CrashLooping(), resolved};

  Plan plan = MustPlan();

  ASSERT_EQ(plan.alerts.size(), 3u);
  EXPECT_EQ(plan.alerts[0].intake, IntakeOutcome::kNew);
  EXPECT_EQ(plan.alerts[1].intake, IntakeOutcome::kDuplicate);
  EXPECT_EQ(plan.alerts[2].intake, IntakeOutcome::kResolved);
  // Equal labels, equal fingerprint (Alertmanager's notion of "the same alert").
  EXPECT_FALSE(plan.alerts[0].alert.fingerprint.empty());
  EXPECT_EQ(plan.alerts[0].alert.fingerprint, plan.alerts[1].alert.fingerprint);
  EXPECT_NE(plan.alerts[0].alert.fingerprint, plan.alerts[2].alert.fingerprint);
  std::ostringstream out;
  PrintPlan(plan, out, false);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("  duplicate of an earlier alert: nothing to do\n"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("  resolved: nothing to do\n"));
}

TEST_F(PlanTest, ARolloutThatNeverEndsStopsAtTheHorizon) {
  // A StatefulSet rollout has no progress deadline: healing would wait for it forever.
  store_.Put(kube::kStatefulSets,
             {{"metadata", {{"name", "db"}, {"namespace", "shop"}}},
              {"spec", {{"replicas", 3}}},
              {"status", {{"currentRevision", "db-1"}, {"updateRevision", "db-2"}}}});
  Alert alert;
  alert.labels = {{"alertname", "DatabaseStuck"}, {"namespace", "shop"}, {"statefulset", "db"}};
  alert.starts_at = common::Timestamp::FromTimePoint(kNow);
  alert.ends_at = common::Timestamp::Zero();
  input_.alerts = {alert};

  Plan plan = MustPlan();

  ASSERT_EQ(plan.alerts.size(), 1u);
  EXPECT_THAT(Path(plan.alerts[0]),
              ElementsAre("decision:matched", "decision:restart:waiting:rollout_in_progress",
                          "decision:restart:skipped:rollout_in_progress", "outcome:skipped"));
  // The virtual clock moved by the horizon, no further.
  EXPECT_LE(plan.alerts[0].records.back().at - kNow, kPlanHorizon);
  EXPECT_GE(plan.alerts[0].records.back().at - kNow, kPlanHorizon - std::chrono::minutes(1));
}

TEST_F(PlanTest, PlaybookRunsGroupRecordsByPlaybook) {
  PutDeployment("web");
  input_.alerts = {CrashLooping()};
  Plan plan = MustPlan();
  ASSERT_EQ(plan.alerts.size(), 1u);
  std::vector<PlaybookRun> runs = PlaybookRuns(plan.alerts[0]);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].playbook, "crashloop");
  EXPECT_EQ(runs[0].target, "Deployment shop/web");
  EXPECT_EQ(runs[0].decision.result, "matched");
  EXPECT_EQ(runs[0].decided, controller::healing::DecisionResult::kMatched);
  ASSERT_EQ(runs[0].steps.size(), 3u);
  EXPECT_EQ(runs[0].steps[1].action, "rollback");
  EXPECT_EQ(runs[0].outcome, controller::healing::RemediationOutcome::kDryRun);
  EXPECT_FALSE(runs[0].escalation.has_value());
}

TEST_F(PlanTest, NeedsPlaybooksActionsAndACluster) {
  input_.kube = nullptr;
  EXPECT_EQ(MakePlan(input_).status().code(), common::StatusCode::kInvalidArgument);
  input_.kube = &kube_;
  input_.actions = nullptr;
  EXPECT_EQ(MakePlan(input_).status().code(), common::StatusCode::kInvalidArgument);
  input_.actions = &actions_;
  input_.playbooks = nullptr;
  EXPECT_EQ(MakePlan(input_).status().code(), common::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rebound::app
