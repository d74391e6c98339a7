#include "controller/actions/cordon_action.h"

#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;

class CordonActionTest : public ActionTest {
 protected:
  void SetUp() override { PutDeployment("web", 3, "app:v2"); }
  nlohmann::json Node(const std::string& name) { return *store_.Find(kube::kNodes, "", name); }
  std::unique_ptr<Action> Cordon() { return Create("action: cordon\nnode: '{{ labels.node }}'"); }
};

TEST_F(CordonActionTest, MarksTheNodeUnschedulableAndRecordsWhoDidIt) {
  PutNode("n1", true);
  PutNode("n2", true);
  ActionResult result = Run(*Cordon());
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message, "cordoned node n1");
  EXPECT_EQ(Node("n1")["spec"]["unschedulable"], true);
  EXPECT_EQ(kube::ObjectAnnotation(Node("n1"), kCordonedByAnnotation), "rebound");
  EXPECT_FALSE(Node("n2")["spec"].contains("unschedulable"));
}

TEST_F(CordonActionTest, AlreadyCordonedIsANoop) {
  PutNode("n1", true);
  PutNode("n2", true);
  std::unique_ptr<Action> cordon = Cordon();
  ASSERT_EQ(Run(*cordon).outcome, Outcome::kDone);
  ActionResult again = Run(*cordon);
  EXPECT_EQ(again.outcome, Outcome::kNoop);
  EXPECT_EQ(again.message, "node n1 is already cordoned");
  EXPECT_EQ(Writes().size(), 1u);
}

TEST_F(CordonActionTest, NeverCordonsTheLastSchedulableReadyNode) {
  PutNode("n1", true);
  PutNode("n2", /*ready=*/false);
  PutNode("n3", true, /*unschedulable=*/true);
  ActionResult result = Run(*Cordon());
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.reason, "blast_radius");
  EXPECT_EQ(result.message, "cordoning node n1 would leave no schedulable Ready node");
  EXPECT_TRUE(Writes().empty());
}

TEST_F(CordonActionTest, MaxNodesCountsOnlyNodesRebound) {
  limits_.max_nodes = 2;
  PutNode("n1", true);
  PutNode("n2", true);
  PutNode("n3", true, /*unschedulable=*/true, /*cordoned_by_rebound=*/true);
  PutNode("n4", true, /*unschedulable=*/true);  // cordoned by a person: not counted
  // 1 cordoned by Rebound + n1 = 2: exactly at the limit.
  EXPECT_EQ(Run(*Cordon()).outcome, Outcome::kDone);
  // 2 + n2 = 3: one over (n5 keeps a schedulable node around).
  PutNode("n5", true);
  vars_.SetLabels({{"node", "n2"}});
  ActionResult over = Run(*Cordon());
  EXPECT_EQ(over.outcome, Outcome::kRefused);
  EXPECT_EQ(over.reason, "blast_radius");
  EXPECT_EQ(over.message,
            "cordoning node n2 would make 3 nodes cordoned by Rebound; the limit is 2 (max_nodes)");
  EXPECT_FALSE(Node("n2")["spec"].contains("unschedulable"));
}

TEST_F(CordonActionTest, DryRunDecidesButWritesNothing) {
  PutNode("n1", true);
  PutNode("n2", true);
  auto before = store_.Snapshot();
  ActionResult result = Run(*Cordon(), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message, "would cordon node n1");
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_TRUE(Writes().empty());
}

TEST_F(CordonActionTest, MissingNode) {
  ActionResult result = Run(*Cordon());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "not_found");
  EXPECT_EQ(result.message, "node n1 does not exist");
}

TEST_F(CordonActionTest, TemplateRenderFailureSendsNothing) {
  vars_.SetLabels({});
  ActionResult result = Run(*Cordon());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "template");
  EXPECT_TRUE(result.message.starts_with("cannot render node: ")) << result.message;
  EXPECT_TRUE(kube_.calls().empty());
}

TEST_F(CordonActionTest, TargetGone) {
  PutNode("n1", true);
  PutNode("n2", true);
  target_.name = "gone";
  EXPECT_EQ(Run(*Cordon()).reason, "target_gone");
  EXPECT_TRUE(Writes().empty());
}

TEST_F(CordonActionTest, NodeIsRequired) {
  EXPECT_EQ(CheckErrors("action: cordon\n"),
            std::vector<std::string>{"1:1: \"steps[0].node\" is required"});
  EXPECT_EQ(CheckErrors("action: cordon\nnode: ''\n"),
            std::vector<std::string>{"2:7: \"steps[0].node\" must not be empty"});
}

}  // namespace
}  // namespace rebound::controller::actions
