#include "controller/actions/rollback_action.h"

#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;
using nlohmann::json;

class RollbackActionTest : public ActionTest {
 protected:
  json Deployment() { return *store_.Find(kube::kDeployments, kNs, "web"); }
  json Template() { return Deployment()["spec"]["template"]; }
};

TEST_F(RollbackActionTest, RollsBackToThePreviousRevisionAndRemovesExtraKeys) {
  json web = PutDeployment("web", 3, "app:v3");
  // v3 adds an env var and a template annotation that v2 did not have.
  web["spec"]["template"]["spec"]["containers"][0]["env"] = {{{"name", "X"}, {"value", "1"}}};
  web["spec"]["template"]["metadata"]["annotations"] = {{"a", "b"}};
  web = store_.Put(kube::kDeployments, web);
  PutReplicaSet(web, "aaa", 1, "app:v1");
  json v2 = PutReplicaSet(web, "bbb", 2, "app:v2");
  json v3 = PutReplicaSet(web, "ccc", 3, "app:v3");
  v3["spec"]["template"]["spec"] = web["spec"]["template"]["spec"];
  v3["spec"]["template"]["metadata"]["annotations"] = {{"a", "b"}};
  store_.Put(kube::kReplicaSets, v3);

  ActionResult result = Run(*Create("action: rollback"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_TRUE(result.rollout_started);
  EXPECT_EQ(result.message,
            "rolled back Deployment shop/web from revision 3 to revision 2 (ReplicaSet web-bbb)");
  json want = v2["spec"]["template"];
  want["metadata"]["labels"].erase("pod-template-hash");
  EXPECT_EQ(Template(), want);  // no env, no annotations, no pod-template-hash
  EXPECT_EQ(kube::ObjectAnnotation(Deployment(), kRolledBackToAnnotation), "bbb");
}

TEST_F(RollbackActionTest, SkipsRevisionsThatOnlyRestarted) {
  // v2 broke the workload; revision 3 is v2 restarted (rollout restart). Going back must reach
  // v1, not undo the restart.
  json web = PutDeployment("web", 3, "app:v2");
  web["spec"]["template"]["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z"}};
  web = store_.Put(kube::kDeployments, web);
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  json restarted = PutReplicaSet(web, "ccc", 3, "app:v2");
  restarted["spec"]["template"]["metadata"]["annotations"] =
      web["spec"]["template"]["metadata"]["annotations"];
  store_.Put(kube::kReplicaSets, restarted);

  ActionResult result = Run(*Create("action: rollback"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message,
            "rolled back Deployment shop/web from revision 3 to revision 1 (ReplicaSet web-aaa)");
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v1");
}

TEST_F(RollbackActionTest, RunningAgainIsANoop) {
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  std::unique_ptr<Action> rollback = Create("action: rollback");
  ASSERT_EQ(Run(*rollback).outcome, Outcome::kDone);
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v1");
  // A real cluster now gives web-aaa the highest revision; roll forward must not follow.
  json v1 = *store_.Find(kube::kReplicaSets, kNs, "web-aaa");
  v1["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3";
  store_.Put(kube::kReplicaSets, v1);
  ActionResult again = Run(*rollback);
  EXPECT_EQ(again.outcome, Outcome::kNoop) << again.message;
  EXPECT_EQ(again.message,
            "Deployment shop/web was already rolled back (to ReplicaSet web-aaa) and still runs "
            "that template");
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v1");
}

TEST_F(RollbackActionTest, ANewRolloutRearmsIt) {
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  ASSERT_EQ(Run(*Create("action: rollback")).outcome, Outcome::kDone);
  // Someone deploys v4.
  web = Deployment();
  web["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v4";
  web = store_.Put(kube::kDeployments, web);
  PutReplicaSet(web, "ddd", 4, "app:v4");
  ActionResult result = Run(*Create("action: rollback"));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v2");
}

TEST_F(RollbackActionTest, CurrentIsTheRevisionWhoseTemplateIsDeployed) {
  // The Deployment runs v2 although a v3 ReplicaSet exists (e.g. v3 was rolled back by hand).
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  PutReplicaSet(web, "ccc", 3, "app:v3");
  ActionResult result = Run(*Create("action: rollback"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v1");
}

TEST_F(RollbackActionTest, IgnoresReplicaSetsOfOtherDeployments) {
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  json other = PutDeployment("api", 1, "api:v1");
  json foreign = PutReplicaSet(other, "aaa", 1, "app:v1");
  foreign["metadata"]["labels"]["app"] = "web";  // matches web's selector, owned by api
  store_.Put(kube::kReplicaSets, foreign);
  ActionResult result = Run(*Create("action: rollback"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "no_previous_revision");
  EXPECT_EQ(result.message, "Deployment shop/web has no revision to roll back to (1 ReplicaSet)");
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v2");
}

TEST_F(RollbackActionTest, DryRunDecidesButWritesNothing) {
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  auto before = store_.Snapshot();
  ActionResult result = Run(*Create("action: rollback"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message,
            "would roll back Deployment shop/web from revision 2 to revision 1 (ReplicaSet "
            "web-aaa)");
  EXPECT_FALSE(result.rollout_started);
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(RollbackActionTest, ConcurrentChangeIsRereadAndRetried) {
  json web = PutDeployment("web", 3, "app:v2");
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  // Someone scales the Deployment between our read and our patch: the patch carries the old
  // resourceVersion and conflicts.
  class ScaledUnderneath final : public ForwardingKubeClient {
   public:
    ScaledUnderneath(kube::KubeClient& inner, testing::FakeKubeStore& store)
        : ForwardingKubeClient(inner), store_(store) {}
    common::Result<json> Patch(const kube::Resource& r, std::string_view ns, std::string_view name,
                               kube::PatchType type, const json& patch) override {
      ++patches;
      if (patches == 1) {
        json d = *store_.Find(r, std::string(ns), std::string(name));
        d["spec"]["replicas"] = 7;
        store_.Put(r, d);
      }
      return ForwardingKubeClient::Patch(r, ns, name, type, patch);
    }
    int patches = 0;

   private:
    testing::FakeKubeStore& store_;
  } racing(kube_, store_);
  ActionResult result = RunWith(*Create("action: rollback"), racing);
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(racing.patches, 2);
  EXPECT_EQ(Deployment()["spec"]["replicas"], 7);  // their change survives
  EXPECT_EQ(Template()["spec"]["containers"][0]["image"], "app:v1");
}

TEST_F(RollbackActionTest, StatefulSetsAreUnsupported) {
  PutStatefulSet("db", 1);
  target_.kind = "StatefulSet";
  target_.name = "db";
  ActionResult result = Run(*Create("action: rollback"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "unsupported");
  EXPECT_TRUE(kube_.calls().empty());
}

TEST_F(RollbackActionTest, PausedDeploymentIsNotRolledBack) {
  json web = PutDeployment("web", 3, "app:v2");
  web["spec"]["paused"] = true;
  web = store_.Put(kube::kDeployments, web);
  PutReplicaSet(web, "aaa", 1, "app:v1");
  PutReplicaSet(web, "bbb", 2, "app:v2");
  ActionResult result = Run(*Create("action: rollback"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "paused");
  EXPECT_TRUE(Writes().empty());
}

TEST_F(RollbackActionTest, TargetGone) {
  ActionResult result = Run(*Create("action: rollback"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "target_gone");
}

}  // namespace
}  // namespace rebound::controller::actions
