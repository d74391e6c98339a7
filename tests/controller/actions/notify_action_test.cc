#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;

class NotifyActionTest : public ActionTest {
 protected:
  void SetUp() override { PutDeployment("web", 3, "app:v2"); }
};

TEST_F(NotifyActionTest, SendsTheRenderedMessageInTheEpisodeThread) {
  ActionResult result = Run(*Create("action: notify\nmessage: 'Could not heal {{ target }}'"));
  EXPECT_EQ(result.outcome, Outcome::kDone);
  EXPECT_EQ(result.message, "notified: Could not heal shop/web");
  std::vector<notify::Notification> sent = notifier_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, notify::Notification::Kind::kInfo);
  EXPECT_EQ(sent[0].title, "Could not heal shop/web");
  EXPECT_EQ(sent[0].thread_key, "WebDown shop/web");
  EXPECT_EQ(sent[0].text, "WebDown fired; playbook heal-web");
  EXPECT_TRUE(sent[0].success);
}

TEST_F(NotifyActionTest, EscalateSendsAnEscalation) {
  ActionResult result = Run(*Create("action: notify\nmessage: paging on-call\nescalate: true"));
  EXPECT_EQ(result.message, "escalated: paging on-call");
  std::vector<notify::Notification> sent = notifier_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, notify::Notification::Kind::kEscalation);
  EXPECT_FALSE(sent[0].success);
}

TEST_F(NotifyActionTest, DryRunSendsNothing) {
  ActionResult result = Run(*Create("action: notify\nmessage: hello"), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message, "would notify: hello");
  EXPECT_TRUE(notifier_.sent().empty());
}

TEST_F(NotifyActionTest, RenderFailureSendsNothing) {
  ActionResult result = Run(*Create("action: notify\nmessage: 'pod {{ labels.pod }} is sick'"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "template");
  EXPECT_TRUE(result.message.starts_with("cannot render message: ")) << result.message;
  EXPECT_TRUE(notifier_.sent().empty());
}

TEST_F(NotifyActionTest, TargetGone) {
  target_.name = "gone";
  EXPECT_EQ(Run(*Create("action: notify\nmessage: hi")).reason, "target_gone");
  EXPECT_TRUE(notifier_.sent().empty());
}

TEST_F(NotifyActionTest, CheckTimeErrors) {
  EXPECT_EQ(CheckErrors("action: notify\n"),
            std::vector<std::string>{"1:1: \"steps[0].message\" is required"});
  EXPECT_EQ(CheckErrors("action: notify\nmessage: hi\nescalate: yes\n"),
            std::vector<std::string>{"3:11: \"steps[0].escalate\": expected a boolean (true or "
                                     "false), got \"yes\""});
  std::vector<std::string> errors = CheckErrors("action: notify\nmessage: 'hi {{ targte }}'\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].substr(0, 33), "2:10: \"steps[0].message\": column ");
  EXPECT_NE(errors[0].find("targte"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace rebound::controller::actions
