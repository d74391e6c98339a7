#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;

class WaitActionTest : public ActionTest {
 protected:
  void SetUp() override { PutDeployment("web", 3, "app:v2"); }
};

TEST_F(WaitActionTest, WaitsThroughTheSleeper) {
  ActionResult result = Run(*Create("action: wait\nduration: 2m"));
  EXPECT_EQ(result.outcome, Outcome::kDone);
  EXPECT_EQ(result.message, "waited 2m");
  EXPECT_EQ(sleeper_.sleeps(), std::vector<std::chrono::milliseconds>{std::chrono::minutes(2)});
}

TEST_F(WaitActionTest, ShutdownInterruptsIt) {
  stop_.request_stop();
  ActionResult result = Run(*Create("action: wait\nduration: 2m"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "stopped");
}

TEST_F(WaitActionTest, DryRunDoesNotWait) {
  ActionResult result = Run(*Create("action: wait\nduration: 2m"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message, "would wait 2m");
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(WaitActionTest, TargetGone) {
  target_.name = "gone";
  EXPECT_EQ(Run(*Create("action: wait\nduration: 2m")).reason, "target_gone");
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(WaitActionTest, CheckTimeErrors) {
  EXPECT_EQ(CheckErrors("action: wait\n"),
            std::vector<std::string>{"1:1: \"steps[0].duration\" is required"});
  std::vector<std::string> errors = CheckErrors("action: wait\nduration: soon\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("2:11: \"steps[0].duration\": ")) << errors[0];
}

}  // namespace
}  // namespace rebound::controller::actions
