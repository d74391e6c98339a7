#include "controller/healing/remediation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "controller/healing/episode_context.h"
#include "controller/healing/workload_state.h"
#include "tests/controller/healing/healing_test_support.h"

namespace rebound::controller::healing {
namespace {

using ::testing::ElementsAre;

constexpr char kRestart[] = R"(
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
      verify: { within: 30s }
)";

// An action healing knows nothing of by name: only its traits say what it does.
class NudgeFactory final : public actions::ActionFactory {
 public:
  explicit NudgeFactory(actions::ActionTraits traits) : traits_(traits) {}
  actions::ActionTraits Traits() const override { return traits_; }
  std::vector<std::string> Keys() const override { return {}; }
  std::unique_ptr<actions::Action> Create(const common::StrictMap&) const override {
    return std::make_unique<Nudge>();
  }

 private:
  class Nudge final : public actions::Action {
   public:
    actions::ActionResult Run(const actions::ActionContext&) const override {
      actions::ActionResult result;
      result.message = "nudged";
      return result;
    }
    std::string Describe() const override { return "nudge"; }
  };
  actions::ActionTraits traits_;
};

class RemediationTest : public HealingTest {
 protected:
  // A remediation by `yaml`'s playbook of shop/web for a fresh alert episode, as the healer
  // would start it.
  std::unique_ptr<Remediation> Start(const std::string& yaml,
                                     GuardrailConfig config = GuardrailConfig()) {
    healer_ = MakeHealer(yaml, std::move(config));
    episode_ = Fire(
        "f1", {{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}, {"deployment", "web"}});
    std::shared_ptr<const playbook::Playbook> playbook =
        healer_->playbooks()->Match(episode_.labels).front();
    common::Result<ResolvedTarget> target =
        ResolveTarget(playbook->target, EpisodeVars(episode_, playbook->name), kube_);
    EXPECT_TRUE(target.ok()) << target.status().ToString();
    if (!target.ok()) return nullptr;
    return std::make_unique<Remediation>(*deps_, playbook, *target, episode_);
  }
  RemediationOutcome RunOnWeb(const std::string& yaml, GuardrailConfig config = GuardrailConfig(),
                              std::stop_token stop = std::stop_token()) {
    std::unique_ptr<Remediation> remediation = Start(yaml, std::move(config));
    return remediation != nullptr ? remediation->Run(stop) : RemediationOutcome::kUnhealed;
  }
  std::string NudgePlaybook(actions::ActionTraits traits) {
    actions_.Register("nudge", std::make_unique<NudgeFactory>(traits));
    std::string yaml = kRestart;
    yaml.replace(yaml.find("action: restart"), 15, "action: nudge");
    return yaml;
  }

  std::unique_ptr<Healer> healer_;
  intake::Episode episode_;
};

// Run's result and the heal log's outcome row are one name apart, for every way it ends.
TEST_F(RemediationTest, HealedWhenTheStepIsVerified) {
  ReadyDeployment("shop", "web", 2);
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) Resolve(episode_);
  });
  EXPECT_EQ(RunOnWeb(kRestart), RemediationOutcome::kHealed);
  EXPECT_EQ(Path().back(), "outcome:healed");
}

TEST_F(RemediationTest, UnhealedWhenNoStepIsVerified) {
  ReadyDeployment("shop", "web", 2);
  EXPECT_EQ(RunOnWeb(kRestart), RemediationOutcome::kUnhealed);
  EXPECT_THAT(Path(), ElementsAre("action:restart:done", "verify:restart:failed:not_resolved",
                                  "escalation:escalated:steps_exhausted", "outcome:unhealed"));
}

TEST_F(RemediationTest, SkippedWhenTheAlertResolvesBeforeTheFirstStep) {
  ReadyDeployment("shop", "web", 2);
  std::unique_ptr<Remediation> remediation = Start(kRestart);
  ASSERT_NE(remediation, nullptr);
  Resolve(episode_);
  EXPECT_EQ(remediation->Run(std::stop_token()), RemediationOutcome::kSkipped);
  EXPECT_THAT(Path(), ElementsAre("decision:restart:skipped:resolved", "outcome:skipped"));
}

TEST_F(RemediationTest, RefusedWhenTheKillSwitchIsOn) {
  ReadyDeployment("shop", "web", 2);
  GuardrailConfig paused;
  paused.paused = true;
  EXPECT_EQ(RunOnWeb(kRestart, paused), RemediationOutcome::kRefused);
  EXPECT_THAT(Path(), ElementsAre("action:restart:refused:paused", "outcome:refused"));
}

TEST_F(RemediationTest, DryRunDecidesAndChangesNothing) {
  ReadyDeployment("shop", "web", 2);
  GuardrailConfig dry;
  dry.dry_run = true;
  EXPECT_EQ(RunOnWeb(kRestart, dry), RemediationOutcome::kDryRun);
  EXPECT_THAT(Path(), ElementsAre("action:restart:dry_run", "outcome:dry_run"));
}

TEST_F(RemediationTest, InterruptedLeavesTheEpisodePending) {
  ReadyDeployment("shop", "web", 2);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(RunOnWeb(kRestart, GuardrailConfig(), stop.get_token()),
            RemediationOutcome::kInterrupted);
  EXPECT_THAT(Path(), ElementsAre("outcome:interrupted"));
  EXPECT_NE(StateOf(episode_), intake::EpisodeState::kHandled);
}

TEST_F(RemediationTest, AnActionThatChangesNothingIsNeitherMarkedNorVerified) {
  ReadyDeployment("shop", "web", 2);
  EXPECT_EQ(RunOnWeb(NudgePlaybook({.changes_cluster = false, .tells_people = false})),
            RemediationOutcome::kUnhealed);
  EXPECT_THAT(Path(), ElementsAre("action:nudge:done", "escalation:escalated:steps_exhausted",
                                  "outcome:unhealed"));
  EXPECT_FALSE(ReadHealMark(Deployment("shop", "web")).has_value());
}

TEST_F(RemediationTest, AnActionThatChangesTheClusterIsMarkedAndVerified) {
  ReadyDeployment("shop", "web", 2);
  EXPECT_EQ(RunOnWeb(NudgePlaybook({.changes_cluster = true, .tells_people = false})),
            RemediationOutcome::kUnhealed);
  EXPECT_THAT(Path(), ElementsAre("action:nudge:done", "verify:nudge:failed:not_resolved",
                                  "escalation:escalated:steps_exhausted", "outcome:unhealed"));
  EXPECT_TRUE(ReadHealMark(Deployment("shop", "web")).has_value());
  // Slack heard of the action and of the escalation.
  auto sent = notifier_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind, notify::Notification::Kind::kAction);
  EXPECT_EQ(sent[1].kind, notify::Notification::Kind::kEscalation);
}

TEST_F(RemediationTest, AnActionThatTellsPeopleIsItsOwnNotificationAndTheEscalation) {
  ReadyDeployment("shop", "web", 2);
  EXPECT_EQ(RunOnWeb(NudgePlaybook({.changes_cluster = false, .tells_people = true})),
            RemediationOutcome::kUnhealed);
  EXPECT_THAT(Path(), ElementsAre("action:nudge:done", "escalation:escalated:steps_exhausted",
                                  "outcome:unhealed"));
  EXPECT_TRUE(notifier_.sent().empty());
}

}  // namespace
}  // namespace rebound::controller::healing
