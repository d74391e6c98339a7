#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;
using RestartActionTest = ActionTest;

std::string RestartedAt(const nlohmann::json& workload) {
  return kube::StringField(workload, {"spec", "template", "metadata", "annotations",
                                      "kubectl.kubernetes.io/restartedAt"});
}

TEST_F(RestartActionTest, SetsRestartedAtToNowInWholeSeconds) {
  PutDeployment("web", 3, "app:v2");
  clock_.Advance(std::chrono::milliseconds(61500));
  ActionResult result = Run(*Create("action: restart"));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_TRUE(result.rollout_started);
  EXPECT_EQ(RestartedAt(*store_.Find(kube::kDeployments, kNs, "web")), "2026-01-01T00:01:01Z");
  EXPECT_EQ(result.message, "restarted Deployment shop/web (restartedAt 2026-01-01T00:01:01Z)");
}

TEST_F(RestartActionTest, EveryRunRestartsAgain) {
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> restart = Create("action: restart");
  ASSERT_EQ(Run(*restart).outcome, Outcome::kDone);
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_EQ(Run(*restart).outcome, Outcome::kDone);
  EXPECT_EQ(RestartedAt(*store_.Find(kube::kDeployments, kNs, "web")), "2026-01-01T00:05:00Z");
  EXPECT_EQ(Writes().size(), 2u);
}

TEST_F(RestartActionTest, APlannedRestartWritesThePlannedValueOnceAndThenIsANoop) {
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> restart = Create("action: restart");
  EXPECT_EQ(Plan(*restart), (nlohmann::json{{"restartedAt", "2026-01-01T00:00:00Z"}}));
  clock_.Advance(std::chrono::minutes(5));  // a crash and a restart later
  ASSERT_EQ(Run(*restart).outcome, Outcome::kDone);
  EXPECT_EQ(RestartedAt(*store_.Find(kube::kDeployments, kNs, "web")), "2026-01-01T00:00:00Z");
  ActionResult again = Run(*restart);
  EXPECT_EQ(again.outcome, Outcome::kNoop);
  EXPECT_EQ(again.message,
            "Deployment shop/web was already restarted (restartedAt 2026-01-01T00:00:00Z)");
  EXPECT_EQ(Writes().size(), 1u);
}

TEST_F(RestartActionTest, APlanIsNeverTheValueTheTemplateAlreadyHas) {
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> restart = Create("action: restart");
  ASSERT_EQ(Run(*restart).outcome, Outcome::kDone);  // at 00:00:00
  EXPECT_EQ(Plan(*restart), (nlohmann::json{{"restartedAt", "2026-01-01T00:00:01Z"}}))
      << "the same second again would restart nothing";
}

TEST_F(RestartActionTest, APlanWithoutAValueIsAFailure) {
  PutDeployment("web", 3, "app:v2");
  plan_ = {{"something", "else"}};
  ActionResult result = Run(*Create("action: restart"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "invalid_plan");
  EXPECT_TRUE(Writes().empty());
}

TEST_F(RestartActionTest, RestartsAStatefulSet) {
  PutStatefulSet("db", 3);
  target_.kind = "StatefulSet";
  target_.name = "db";
  ASSERT_EQ(Run(*Create("action: restart")).outcome, Outcome::kDone);
  EXPECT_EQ(RestartedAt(*store_.Find(kube::kStatefulSets, kNs, "db")), "2026-01-01T00:00:00Z");
}

TEST_F(RestartActionTest, DryRunWritesNothing) {
  PutDeployment("web", 3, "app:v2");
  auto before = store_.Snapshot();
  ActionResult result = Run(*Create("action: restart"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message, "would restart Deployment shop/web");
  EXPECT_FALSE(result.rollout_started);
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(RestartActionTest, TargetGone) {
  ActionResult result = Run(*Create("action: restart"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "target_gone");
  EXPECT_EQ(result.message, "Deployment shop/web no longer exists");
}

TEST_F(RestartActionTest, ApiErrorIsAFailureNamingTheTarget) {
  PutDeployment("web", 3, "app:v2");
  kube_.FailNext(kube::Verb::kPatch, "deployments",
                 common::Status(common::StatusCode::kPermissionDenied, "forbidden"));
  ActionResult result = Run(*Create("action: restart"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "api_error");
  EXPECT_EQ(result.message, "cannot restart Deployment shop/web: forbidden");
}

TEST_F(RestartActionTest, UnsupportedKind) {
  target_.kind = "DaemonSet";
  ActionResult result = Run(*Create("action: restart"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "unsupported");
  EXPECT_TRUE(kube_.calls().empty());
}

}  // namespace
}  // namespace rebound::controller::actions
