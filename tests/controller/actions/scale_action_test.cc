#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;

class ScaleActionTest : public ActionTest {
 protected:
  int64_t Replicas() {
    return (*store_.Find(kube::kDeployments, kNs, "web"))["spec"]["replicas"].get<int64_t>();
  }
};

TEST_F(ScaleActionTest, AddsAReplica) {
  PutDeployment("web", 3, "app:v2");
  ActionResult result = Run(*Create("action: scale\nreplicas: '+1'\nmax: 10"));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message, "scaled Deployment shop/web from 3 to 4 replicas");
  EXPECT_FALSE(result.rollout_started);
  EXPECT_EQ(Replicas(), 4);
  EXPECT_EQ(Writes(), std::vector<std::string>{
                          "update deployments.apps/scale \"web\" in namespace \"shop\""});
}

TEST_F(ScaleActionTest, AbsoluteCountIsIdempotent) {
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> scale = Create("action: scale\nreplicas: 5");
  ASSERT_EQ(Run(*scale).outcome, Outcome::kDone);
  ActionResult again = Run(*scale);
  EXPECT_EQ(again.outcome, Outcome::kNoop);
  EXPECT_EQ(again.message, "Deployment shop/web already has 5 replicas");
  EXPECT_EQ(Writes().size(), 1u);
}

TEST_F(ScaleActionTest, APlannedRelativeScaleSetsThePlannedCountOnlyOnce) {
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> scale = Create("action: scale\nreplicas: '+1'\nmax: 10");
  EXPECT_EQ(Plan(*scale), (nlohmann::json{{"replicas", 4}}));
  ASSERT_EQ(Run(*scale).outcome, Outcome::kDone);
  EXPECT_EQ(Replicas(), 4);
  ActionResult again = Run(*scale);  // resumed after a restart: "+1" is not added twice
  EXPECT_EQ(again.outcome, Outcome::kNoop) << again.message;
  EXPECT_EQ(Replicas(), 4);
  EXPECT_EQ(Writes().size(), 1u);
}

TEST_F(ScaleActionTest, NoPlanWhenItWouldNotScale) {
  PutDeployment("web", 10, "app:v2");
  EXPECT_TRUE(Plan(*Create("action: scale\nreplicas: '+1'\nmax: 10")).is_null());
}

TEST_F(ScaleActionTest, CapsAtMaxAndSaysSo) {
  PutDeployment("web", 8, "app:v2");
  ActionResult result = Run(*Create("action: scale\nreplicas: x1.5\nmax: 10"));
  EXPECT_EQ(result.outcome, Outcome::kDone);
  EXPECT_EQ(result.message,
            "scaled Deployment shop/web from 8 to 10 replicas (capped at max 10; x1.5 asked for "
            "12)");
  EXPECT_EQ(Replicas(), 10);
}

TEST_F(ScaleActionTest, NeverBelowTheGuardrailMinimum) {
  limits_.min_replicas = 2;
  PutDeployment("web", 3, "app:v2");
  std::unique_ptr<Action> down = Create("action: scale\nreplicas: '-1'");
  EXPECT_EQ(Run(*down).outcome, Outcome::kDone);  // 3 -> 2: exactly at the floor
  ActionResult at_floor = Run(*down);
  EXPECT_EQ(at_floor.outcome, Outcome::kNoop);
  EXPECT_EQ(at_floor.message,
            "Deployment shop/web already has 2 replicas (raised to the minimum of 2; -1 asked "
            "for 1)");
  EXPECT_EQ(Replicas(), 2);
}

TEST_F(ScaleActionTest, StepMinimumAboveTheGuardrailWins) {
  limits_.min_replicas = 1;
  PutDeployment("web", 5, "app:v2");
  ActionResult result = Run(*Create("action: scale\nreplicas: '-4'\nmin: 3"));
  EXPECT_EQ(result.outcome, Outcome::kDone);
  EXPECT_EQ(result.message,
            "scaled Deployment shop/web from 5 to 3 replicas (raised to the minimum of 3; -4 "
            "asked for 1)");
  EXPECT_EQ(Replicas(), 3);
}

TEST_F(ScaleActionTest, RefusesToLowerWhatIsAlreadyBelowTheMinimum) {
  limits_.min_replicas = 3;
  PutDeployment("web", 2, "app:v2");
  ActionResult result = Run(*Create("action: scale\nreplicas: '-1'"));
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.reason, "min_replicas");
  EXPECT_EQ(result.message,
            "Deployment shop/web has 2 replicas, below the minimum of 3: not lowering it further");
  EXPECT_EQ(Replicas(), 2);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(ScaleActionTest, RefusesToRaiseWhatIsAlreadyAboveMax) {
  PutDeployment("web", 12, "app:v2");
  ActionResult result = Run(*Create("action: scale\nreplicas: '+1'\nmax: 10"));
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.reason, "max_replicas");
  EXPECT_EQ(Replicas(), 12);
}

TEST_F(ScaleActionTest, DryRunDecidesButWritesNothing) {
  PutDeployment("web", 3, "app:v2");
  auto before = store_.Snapshot();
  ActionResult result = Run(*Create("action: scale\nreplicas: '+2'\nmax: 4"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message,
            "would scale Deployment shop/web from 3 to 4 replicas (capped at max 4; +2 asked for "
            "5)");
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(ScaleActionTest, ConflictRereadsAndDecidesAgain) {
  PutDeployment("web", 3, "app:v2");
  // Someone else scales to 5 between our read and our write.
  class ScaledUnderneath final : public ForwardingKubeClient {
   public:
    ScaledUnderneath(kube::KubeClient& inner, testing::FakeKubeStore& store)
        : ForwardingKubeClient(inner), store_(store) {}
    common::Result<kube::Scale> UpdateScale(const kube::Resource& r,
                                            const kube::Scale& scale) override {
      if (!done_) {
        done_ = true;
        nlohmann::json d = *store_.Find(r, scale.ns, scale.name);
        d["spec"]["replicas"] = 5;
        store_.Put(r, d);
      }
      return ForwardingKubeClient::UpdateScale(r, scale);
    }

   private:
    testing::FakeKubeStore& store_;
    bool done_ = false;
  } racing(kube_, store_);
  ActionResult result = RunWith(*Create("action: scale\nreplicas: '+1'\nmax: 10"), racing);
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message, "scaled Deployment shop/web from 5 to 6 replicas");
  EXPECT_EQ(Replicas(), 6);
}

TEST_F(ScaleActionTest, EndlessConflictsFail) {
  PutDeployment("web", 3, "app:v2");
  kube_.FailNext(kube::Verb::kUpdate, "deployments/scale",
                 common::Status(common::StatusCode::kConflict, "modified"), 5);
  ActionResult result = Run(*Create("action: scale\nreplicas: '+1'\nmax: 10"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "conflict");
  EXPECT_EQ(Replicas(), 3);
}

TEST_F(ScaleActionTest, ScalesAStatefulSet) {
  PutStatefulSet("db", 3);
  target_.kind = "StatefulSet";
  target_.name = "db";
  ASSERT_EQ(Run(*Create("action: scale\nreplicas: 4")).outcome, Outcome::kDone);
  EXPECT_EQ((*store_.Find(kube::kStatefulSets, kNs, "db"))["spec"]["replicas"], 4);
}

TEST_F(ScaleActionTest, TargetGone) {
  ActionResult result = Run(*Create("action: scale\nreplicas: 4"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "target_gone");
}

// The count a Deployment was meant to have, from the alert (restore-replicas heals a scale-down
// with it), within the step's bounds.
TEST_F(ScaleActionTest, ATemplatedCountComesFromTheAlert) {
  PutDeployment("web", 0, "app:v2");
  vars_.SetAnnotations({{"replicas", "3"}});
  std::unique_ptr<Action> scale =
      Create("action: scale\nreplicas: '{{ annotations.replicas }}'\nmax: 20");
  EXPECT_EQ(scale->Describe(), "scale to {{ annotations.replicas }} (max 20)");
  EXPECT_EQ(Plan(*scale), (nlohmann::json{{"replicas", 3}}));
  ActionResult result = Run(*scale);
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(Replicas(), 3);

  vars_.SetAnnotations({{"replicas", "50"}});  // within max, whatever the alert says
  EXPECT_EQ(Plan(*scale), (nlohmann::json{{"replicas", 20}}));
  EXPECT_EQ(Run(*scale).message, "scaled Deployment shop/web from 3 to 20 replicas");

  vars_.SetAnnotations({{"replicas", "many"}});
  ActionResult bad = Run(*scale);
  EXPECT_EQ(bad.outcome, Outcome::kFailed);
  EXPECT_EQ(bad.reason, "template");
  EXPECT_THAT(bad.message, ::testing::HasSubstr("cannot render replicas: \"many\": expected"));
  EXPECT_TRUE(Plan(*scale).is_null());

  vars_.SetAnnotations({});
  EXPECT_EQ(Run(*scale).reason, "template");
}

TEST_F(ScaleActionTest, CheckTimeErrorsPointAtTheValue) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"action: scale\n", {"1:1: \"steps[0].replicas\" is required"}},
      {"action: scale\nreplicas: '+1'\n",
       {"2:11: \"steps[0].max\" is required with \"steps[0].replicas\" +1, so that scaling stays "
        "bounded"}},
      {"action: scale\nreplicas: x2\n",
       {"2:11: \"steps[0].max\" is required with \"steps[0].replicas\" x2, so that scaling stays "
        "bounded"}},
      {"action: scale\nreplicas: lots\nmax: 3\n",
       {"2:11: \"steps[0].replicas\": expected a replica count (5), +N, -N or a factor xF (x1.5), "
        "got \"lots\""}},
      {"action: scale\nreplicas: [1]\n",
       {"2:11: \"steps[0].replicas\": expected a string, got a sequence"}},
      {"action: scale\nreplicas: 12\nmax: 10\n",
       {"2:11: \"steps[0].replicas\" 12 is above max 10"}},
      {"action: scale\nreplicas: 1\nmin: 2\n", {"2:11: \"steps[0].replicas\" 1 is below min 2"}},
      {"action: scale\nreplicas: '-1'\nmin: 5\nmax: 4\n",
       {"3:6: \"steps[0].min\" (5) is above \"steps[0].max\" (4)"}},
      {"action: scale\nreplicas: '+1'\nmax: 0\n",
       {"3:6: \"steps[0].max\": expected a positive integer no larger than 100000, got \"0\""}},
      {"action: scale\nreplicas: '{{ annotations.replicas }}'\n",
       {"2:11: \"steps[0].max\" is required with a templated \"steps[0].replicas\", so that "
        "scaling stays bounded"}},
      {"action: scale\nreplicas: '{{ annotation.replicas }}'\nmax: 5\n",
       {"2:11: \"steps[0].replicas\": column 4: unknown variable \"annotation.replicas\" (did "
        "you mean \"annotations.replicas\"?)"}},
  };
  for (const auto& [yaml, want] : cases) EXPECT_EQ(CheckErrors(yaml), want) << yaml;
  // Lowering and absolute specs need no max.
  EXPECT_TRUE(CheckErrors("action: scale\nreplicas: '-1'\n").empty());
  EXPECT_TRUE(CheckErrors("action: scale\nreplicas: x0.5\n").empty());
  EXPECT_TRUE(CheckErrors("action: scale\nreplicas: 3\n").empty());
}

}  // namespace
}  // namespace rebound::controller::actions
