#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;

class DeletePodActionTest : public ActionTest {
 protected:
  // web (Deployment) with ReplicaSet web-abc and its pods.
  void SetUp() override {
    deployment_ = PutDeployment("web", 4, "app:v2");
    rs_ = PutReplicaSet(deployment_, "abc", 1, "app:v2");
  }
  bool Exists(const std::string& pod) { return store_.Find(kube::kPods, kNs, pod).has_value(); }

  nlohmann::json deployment_;
  nlohmann::json rs_;
};

TEST_F(DeletePodActionTest, DeletesTheLeastHealthyPod) {
  PutPod(rs_, "web-abc-1", /*ready=*/true, /*restarts=*/9);
  PutPod(rs_, "web-abc-2", /*ready=*/false, /*restarts=*/1);
  PutPod(rs_, "web-abc-3", /*ready=*/false, /*restarts=*/4);
  PutPod(rs_, "web-abc-4", /*ready=*/true, /*restarts=*/0);
  ActionResult result = Run(*Create("action: delete_pod"));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message,
            "deleted pod shop/web-abc-3 (not ready, 4 restarts) of Deployment shop/web");
  EXPECT_FALSE(Exists("web-abc-3"));
  EXPECT_EQ(store_.Count(kube::kPods), 3u);
}

TEST_F(DeletePodActionTest, APlannedDeletionDeletesThePlannedPodOnlyOnce) {
  PutPod(rs_, "web-abc-1", /*ready=*/true, /*restarts=*/0);
  nlohmann::json sick = PutPod(rs_, "web-abc-2", /*ready=*/false, /*restarts=*/4);
  std::unique_ptr<Action> remove = Create("action: delete_pod");
  EXPECT_EQ(
      Plan(*remove),
      (nlohmann::json{{"pods", {{{"name", "web-abc-2"}, {"uid", sick["metadata"]["uid"]}}}}}));
  ASSERT_EQ(Run(*remove).outcome, Outcome::kDone);
  EXPECT_FALSE(Exists("web-abc-2"));
  PutPod(rs_, "web-abc-3", /*ready=*/false, /*restarts=*/0);  // its replacement, not ready yet
  ActionResult again = Run(*remove);                          // resumed after a restart
  EXPECT_EQ(again.outcome, Outcome::kNoop) << again.message;
  EXPECT_EQ(again.message,
            "the pods planned for deletion (web-abc-2) of Deployment shop/web are already gone or "
            "terminating");
  EXPECT_TRUE(Exists("web-abc-3"));
  EXPECT_TRUE(Exists("web-abc-1"));
}

TEST_F(DeletePodActionTest, CountPicksNotReadyFirstThenMostRestarts) {
  limits_.max_pods = 3;
  limits_.max_percent = 100;
  PutPod(rs_, "web-abc-1", true, 9);
  PutPod(rs_, "web-abc-2", false, 1);
  PutPod(rs_, "web-abc-3", true, 2);
  PutPod(rs_, "web-abc-4", true, 0);
  ActionResult result = Run(*Create("action: delete_pod\ncount: 3"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_FALSE(Exists("web-abc-2"));
  EXPECT_FALSE(Exists("web-abc-1"));
  EXPECT_FALSE(Exists("web-abc-3"));
  EXPECT_TRUE(Exists("web-abc-4"));
}

TEST_F(DeletePodActionTest, IgnoresPodsThatOnlyShareTheLabels) {
  // Same labels, but controlled by another Deployment's ReplicaSet.
  nlohmann::json other = PutDeployment("web-canary", 1, "app:v3");
  nlohmann::json other_rs = PutReplicaSet(other, "zzz", 1, "app:v3");
  nlohmann::json impostor = PutPod(other_rs, "impostor", false, 50);
  impostor["metadata"]["labels"]["app"] = "web";
  store_.Put(kube::kPods, impostor);
  PutPod(rs_, "web-abc-1", true, 0);
  ActionResult result = Run(*Create("action: delete_pod"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_TRUE(Exists("impostor"));
  EXPECT_FALSE(Exists("web-abc-1"));
}

TEST_F(DeletePodActionTest, NamedPodOfTheTarget) {
  vars_.SetLabels({{"pod", "web-abc-2"}});
  PutPod(rs_, "web-abc-1", false, 9);
  PutPod(rs_, "web-abc-2", true, 0);
  std::unique_ptr<Action> action = Create("action: delete_pod\npod: '{{ labels.pod }}'");
  ActionResult result = Run(*action);
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_FALSE(Exists("web-abc-2"));
  EXPECT_TRUE(Exists("web-abc-1"));
  // Gone now: running again does nothing.
  ActionResult again = Run(*action);
  EXPECT_EQ(again.outcome, Outcome::kNoop);
  EXPECT_EQ(again.message, "pod shop/web-abc-2 is already gone");
}

TEST_F(DeletePodActionTest, NamedPodAlreadyTerminatingIsANoop) {
  vars_.SetLabels({{"pod", "web-abc-1"}});
  PutPod(rs_, "web-abc-1", false, 0, /*terminating=*/true);
  ActionResult result = Run(*Create("action: delete_pod\npod: '{{ labels.pod }}'"));
  EXPECT_EQ(result.outcome, Outcome::kNoop);
  EXPECT_EQ(result.message, "pod shop/web-abc-1 is already terminating");
  EXPECT_TRUE(Writes().empty());
}

TEST_F(DeletePodActionTest, NamedPodOfAnotherWorkloadIsRefused) {
  nlohmann::json other = PutDeployment("api", 1, "api:v1");
  nlohmann::json other_rs = PutReplicaSet(other, "def", 1, "api:v1");
  PutPod(other_rs, "api-def-1", false, 3);
  vars_.SetLabels({{"pod", "api-def-1"}});
  ActionResult result = Run(*Create("action: delete_pod\npod: '{{ labels.pod }}'"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "not_owned");
  EXPECT_EQ(result.message,
            "pod shop/api-def-1 does not belong to Deployment shop/web; not deleting it");
  EXPECT_TRUE(Exists("api-def-1"));
}

TEST_F(DeletePodActionTest, StatefulSetPodsAreOwnedDirectly) {
  nlohmann::json sts = PutStatefulSet("db", 2);
  PutPod(sts, "db-0", true, 0);
  PutPod(sts, "db-1", false, 0);
  PutPod(rs_, "web-abc-1", false, 0);
  target_.kind = "StatefulSet";
  target_.name = "db";
  limits_.max_percent = 50;
  ActionResult result = Run(*Create("action: delete_pod"));
  ASSERT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_FALSE(Exists("db-1"));
  EXPECT_TRUE(Exists("web-abc-1"));
}

TEST_F(DeletePodActionTest, BlastRadiusCountsTerminatingPods) {
  limits_.max_pods = 2;
  limits_.max_percent = 100;
  PutPod(rs_, "web-abc-1", false, 0, /*terminating=*/true);
  PutPod(rs_, "web-abc-2", false, 0);
  PutPod(rs_, "web-abc-3", true, 0);
  PutPod(rs_, "web-abc-4", true, 0);
  // 1 terminating + 1 = 2: exactly at max_pods.
  EXPECT_EQ(Run(*Create("action: delete_pod")).outcome, Outcome::kDone);
  // 1 terminating + 2 = 3: one over.
  PutPod(rs_, "web-abc-2", false, 0);
  ActionResult over = Run(*Create("action: delete_pod\ncount: 2"));
  EXPECT_EQ(over.outcome, Outcome::kRefused);
  EXPECT_EQ(over.reason, "blast_radius");
  EXPECT_EQ(over.message,
            "deleting 2 pods of Deployment shop/web with 1 already terminating would disrupt 3 of "
            "its 4 pods at once; the limit is 2 (max_pods 2, max_percent 100% of 4 = 4)");
  EXPECT_TRUE(Exists("web-abc-2"));
}

TEST_F(DeletePodActionTest, BlastRadiusPercentOfTheWorkload) {
  limits_.max_pods = 10;
  limits_.max_percent = 50;
  for (int i = 1; i <= 4; ++i) PutPod(rs_, "web-abc-" + std::to_string(i), true, 0);
  ActionResult over = Run(*Create("action: delete_pod\ncount: 3"));
  EXPECT_EQ(over.outcome, Outcome::kRefused);
  EXPECT_EQ(over.reason, "blast_radius");
  EXPECT_EQ(store_.Count(kube::kPods), 4u);
  ActionResult at_limit = Run(*Create("action: delete_pod\ncount: 2"));  // 50% of 4
  EXPECT_EQ(at_limit.outcome, Outcome::kDone) << at_limit.message;
  EXPECT_EQ(store_.Count(kube::kPods), 2u);
}

TEST_F(DeletePodActionTest, BlastRadiusAllowsOnePodOfASmallWorkload) {
  limits_.max_percent = 25;
  PutPod(rs_, "web-abc-1", false, 0);
  PutPod(rs_, "web-abc-2", true, 0);
  // 25% of 2 rounds down to 0, but one pod is always allowed.
  EXPECT_EQ(Run(*Create("action: delete_pod")).outcome, Outcome::kDone);
}

TEST_F(DeletePodActionTest, PodDisruptionBudgetMustAllowTheDeletion) {
  limits_.max_pods = 2;
  limits_.max_percent = 100;
  PutPod(rs_, "web-abc-1", false, 0);
  PutPod(rs_, "web-abc-2", false, 0);
  PutPodDisruptionBudget("web-pdb", "web", 1);
  PutPodDisruptionBudget("other-pdb", "other", 0);  // selects none of the victims
  ActionResult over = Run(*Create("action: delete_pod\ncount: 2"));
  EXPECT_EQ(over.outcome, Outcome::kRefused);
  EXPECT_EQ(over.reason, "pod_disruption_budget");
  EXPECT_EQ(over.message,
            "PodDisruptionBudget shop/web-pdb allows 1 disruption; deleting 2 pods it covers "
            "needs 2");
  EXPECT_EQ(store_.Count(kube::kPods), 2u);
  ActionResult at_limit = Run(*Create("action: delete_pod"));
  EXPECT_EQ(at_limit.outcome, Outcome::kDone) << at_limit.message;
}

TEST_F(DeletePodActionTest, UnreadableBudgetsMeanNoDeletion) {
  PutPod(rs_, "web-abc-1", false, 0);
  kube_.FailNext(kube::Verb::kList, "poddisruptionbudgets",
                 common::Status(common::StatusCode::kPermissionDenied, "forbidden"));
  ActionResult result = Run(*Create("action: delete_pod"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "api_error");
  EXPECT_TRUE(Exists("web-abc-1"));
}

TEST_F(DeletePodActionTest, DeletesWithTheUidReadAndTreatsAReplacementAsGone) {
  PutPod(rs_, "web-abc-1", false, 0);
  // The pod is replaced under the same name between the read and the delete.
  class Replacing final : public ForwardingKubeClient {
   public:
    Replacing(kube::KubeClient& inner, testing::FakeKubeStore& store)
        : ForwardingKubeClient(inner), store_(store) {}
    common::Status DeletePod(std::string_view ns, std::string_view name,
                             const kube::DeleteOptions& options) override {
      uid_sent = options.uid;
      nlohmann::json pod = *store_.Find(kube::kPods, std::string(ns), std::string(name));
      pod["metadata"]["uid"] = "new-uid";
      store_.Put(kube::kPods, pod);
      return ForwardingKubeClient::DeletePod(ns, name, options);
    }
    std::string uid_sent;

   private:
    testing::FakeKubeStore& store_;
  } replacing(kube_, store_);
  const std::string old_uid = kube::ObjectUid(*store_.Find(kube::kPods, kNs, "web-abc-1"));
  ActionResult result = RunWith(*Create("action: delete_pod"), replacing);
  EXPECT_EQ(replacing.uid_sent, old_uid);
  EXPECT_EQ(result.outcome, Outcome::kNoop) << result.message;
  EXPECT_EQ(result.message,
            "pod shop/web-abc-1 (not ready, 0 restarts) of Deployment shop/web already gone");
  EXPECT_TRUE(Exists("web-abc-1"));  // the replacement survives
}

TEST_F(DeletePodActionTest, NoPodsIsANoop) {
  ActionResult result = Run(*Create("action: delete_pod"));
  EXPECT_EQ(result.outcome, Outcome::kNoop);
  EXPECT_EQ(result.message, "Deployment shop/web has no pods to delete");
}

TEST_F(DeletePodActionTest, DryRunDecidesButWritesNothing) {
  PutPod(rs_, "web-abc-1", true, 0);
  PutPod(rs_, "web-abc-2", true, 7);
  auto before = store_.Snapshot();
  ActionResult result = Run(*Create("action: delete_pod"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message,
            "would delete pod shop/web-abc-2 (ready, 7 restarts) of Deployment shop/web");
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(DeletePodActionTest, DryRunIsRefusedLikeARealRun) {
  limits_.max_pods = 0;
  PutPod(rs_, "web-abc-1", true, 0);
  EXPECT_EQ(Run(*Create("action: delete_pod"), /*dry_run=*/true).outcome, Outcome::kRefused);
}

TEST_F(DeletePodActionTest, TemplateRenderFailureNamesTheVariable) {
  PutPod(rs_, "web-abc-1", true, 0);
  ActionResult result = Run(*Create("action: delete_pod\npod: '{{ labels.pod }}'"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "template");
  EXPECT_NE(result.message.find("cannot render pod: "), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("\"pod\""), std::string::npos) << result.message;
  EXPECT_TRUE(kube_.calls().empty());
}

TEST_F(DeletePodActionTest, TargetGone) {
  target_.name = "gone";
  ActionResult result = Run(*Create("action: delete_pod"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "target_gone");
}

TEST_F(DeletePodActionTest, CheckTimeErrors) {
  EXPECT_EQ(CheckErrors("action: delete_pod\npod: x\ncount: 2\n"),
            std::vector<std::string>{
                "3:8: \"steps[0].count\" cannot be used with \"steps[0].pod\" (one named pod)"});
  EXPECT_EQ(CheckErrors("action: delete_pod\ncount: 0\n"),
            std::vector<std::string>{
                "2:8: \"steps[0].count\": expected a positive integer no larger than 1000, got "
                "\"0\""});
  EXPECT_EQ(CheckErrors("action: delete_pod\npod: ''\n"),
            std::vector<std::string>{"2:6: \"steps[0].pod\" must not be empty"});
  std::vector<std::string> errors = CheckErrors("action: delete_pod\npod: '{{ lables.pod }}'\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("2:6: \"steps[0].pod\": column ")) << errors[0];
}

}  // namespace
}  // namespace rebound::controller::actions
