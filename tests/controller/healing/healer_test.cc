#include "controller/healing/healer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>

#include "controller/healing/episode_context.h"
#include "controller/healing/workload_state.h"
#include "kube/api_request.h"
#include "kube/resource.h"
#include "store/fault_vfs.h"
#include "tests/controller/healing/healing_test_support.h"

namespace rebound::controller::healing {
namespace {

using intake::EpisodeState;
using ::testing::ElementsAre;

// Holds the first sleep of a HookSleeper (a remediation's first verification poll, say) until
// Release(), so that a test can act while that remediation runs. Released when destroyed.
class FirstSleepHold {
 public:
  explicit FirstSleepHold(HookSleeper& sleeper) {
    sleeper.SetHook([this, done = false](int) mutable {
      if (done) return;
      done = true;
      held_.set_value();
      released_.wait();
    });
  }
  ~FirstSleepHold() { Release(); }
  // True once the first sleep is held, false when it is not within `timeout`.
  bool WaitHeld(std::chrono::seconds timeout) {
    return held_future_.wait_for(timeout) == std::future_status::ready;
  }
  void Release() {
    if (!release_called_.exchange(true)) release_.set_value();
  }

 private:
  std::promise<void> held_;
  std::future<void> held_future_ = held_.get_future();
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::atomic<bool> release_called_ = false;
};

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
      verify: { within: 1m }
    - action: rollback
      verify: { within: 1m }
    - action: notify
      message: "Could not heal {{ target }}"
      escalate: true
  guardrails:
    cooldown: 10m
)";

intake::LabelSet CrashLabels(const std::string& ns = "shop", const std::string& name = "web") {
  return {{"alertname", "KubePodCrashLooping"}, {"namespace", ns}, {"deployment", name},
          {"severity", "critical"}};
}

std::string RestartedAt(const nlohmann::json& d) {
  return d.value(nlohmann::json::json_pointer(
                     "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"),
                 "");
}

class HealerTest : public HealingTest {};

TEST_F(HealerTest, FirstStepHealsWhenTheAlertResolvesAndTheWorkloadIsReady) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 2) Resolve(episode);
  });

  healer->Submit(episode);

  EXPECT_FALSE(RestartedAt(Deployment("shop", "web")).empty());
  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_EQ(StateOf(episode), EpisodeState::kClosed);  // resolved: closed is final
  EXPECT_EQ(journal_->Get(episode.key)->playbook, "crashloop");
  EXPECT_EQ(Metric("rebound_heal_actions_total",
                   {{"playbook", "crashloop"}, {"action", "restart"}, {"result", "done"}}),
            1);
  EXPECT_EQ(Metric("rebound_playbook_success_ratio", {{"playbook", "crashloop"}}), 1);
  EXPECT_EQ(Metric("rebound_heal_time_to_resolve_seconds_count", {{"playbook", "crashloop"}}), 1);
  EXPECT_EQ(metrics_.in_progress.Value(), 0);
  // The action is visible on the object: a mark and an Event.
  std::optional<HealMark> mark = ReadHealMark(Deployment("shop", "web"));
  ASSERT_TRUE(mark.has_value());
  EXPECT_EQ(mark->playbook, "crashloop");
  EXPECT_EQ(mark->action, "restart");
  EXPECT_EQ(store_.Count(kube::kEvents), 1u);
  // Slack heard about the action and the outcome, in one thread.
  auto sent = notifier_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind, notify::Notification::Kind::kAction);
  EXPECT_EQ(sent[1].kind, notify::Notification::Kind::kOutcome);
  EXPECT_TRUE(sent[1].time_to_heal.has_value());
  EXPECT_EQ(sent[0].thread_key, sent[1].thread_key);
  EXPECT_EQ(sent[0].thread_key, "KubePodCrashLooping shop/web");
}

TEST_F(HealerTest, FailedVerificationMovesToTheNextStepAndTheLastEscalates) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:failed:not_resolved",
                                  // No earlier revision to go back to.
                                  "action:rollback:failed:no_previous_revision",
                                  "action:notify:done", "escalation:escalated:steps_exhausted",
                                  "outcome:unhealed"));
  EXPECT_EQ(StateOf(episode), EpisodeState::kHandled);
  EXPECT_EQ(Metric("rebound_escalations_total", {{"playbook", "crashloop"}}), 1);
  EXPECT_EQ(Metric("rebound_playbook_success_ratio", {{"action", "restart"}}), 0);
  // Verification waited for the whole minute, polling every 5 s.
  EXPECT_EQ(sleeper_.sleeps(), 12);
  // The notify step's message is the escalation: no second one.
  auto sent = notifier_.sent();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().kind, notify::Notification::Kind::kEscalation);
  EXPECT_EQ(sent.back().title, "Could not heal shop/web");
}

TEST_F(HealerTest, AlertWithoutPlaybookIsRecordedAndSetAside) {
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", {{"alertname", "DiskFull"}});
  healer->Submit(episode);
  EXPECT_THAT(Path(), ElementsAre("decision:no_playbook"));
  EXPECT_EQ(StateOf(episode), EpisodeState::kHandled);
  EXPECT_EQ(Metric("rebound_heal_unmatched_alerts_total", {}), 1);
}

// Its "handled" was lost (a full disk, then a restart): the episode comes back pending, and
// the heal log's decision stands.
TEST_F(HealerTest, AnEpisodeDecidedBeforeARestartIsNotDecidedAgain) {
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", {{"alertname", "DiskFull"}});
  healer->Submit(episode);
  ASSERT_THAT(Path(), ElementsAre("decision:no_playbook"));
  ASSERT_TRUE(journal_->SetState(episode.key, EpisodeState::kPending).ok());

  auto restarted = MakeHealer(kCrashLoop);
  episode.state = EpisodeState::kPending;
  restarted->Submit(episode);
  EXPECT_THAT(Path(), ElementsAre("decision:no_playbook"));
  EXPECT_EQ(StateOf(episode), EpisodeState::kHandled);
  EXPECT_EQ(Metric("rebound_heal_unmatched_alerts_total", {}), 1);
}

// Retention deleted the handled episode of an alert that still fires, and Alertmanager sent it
// again: the same episode, journaled anew. Its remediation is over (the heal log says how), so
// it is neither decided again nor resumed from the mark its remediation left on the target.
TEST_F(HealerTest, AnEpisodeJournaledAgainAfterRetentionIsNotRemediatedAgain) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  healer->Submit(episode);
  ASSERT_EQ(Path().back(), "outcome:unhealed");
  const size_t records = Records().size();
  const std::string restarted_at = RestartedAt(Deployment("shop", "web"));

  episode.state = EpisodeState::kReceived;
  healer->Submit(episode);
  EXPECT_EQ(Records().size(), records);
  EXPECT_EQ(RestartedAt(Deployment("shop", "web")), restarted_at);
}

// An interrupted remediation (a stop) is not over: it is decided again, and resumed.
TEST_F(HealerTest, AnInterruptedRemediationIsDecidedAgain) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  for (const auto& [kind, result] : {std::pair{HealRecord::Kind::kDecision, "matched"},
                                     std::pair{HealRecord::Kind::kOutcome, "interrupted"}}) {
    HealRecord record;
    record.at = clock_.Now();
    record.episode = episode.key;
    record.playbook = "crashloop";
    record.kind = kind;
    record.result = result;
    ASSERT_TRUE(log_->Append(record).ok());
  }
  sleeper_.SetHook([&](int) { Resolve(episode); });
  healer->Submit(episode);
  EXPECT_EQ(Path().back(), "outcome:healed");
}

TEST_F(HealerTest, ProtectedNamespaceIsRefusedAndNothingChanges) {
  ReadyDeployment("kube-system", "coredns", 2);
  auto healer = MakeHealer(kCrashLoop);
  healer->Submit(Fire("f1", CrashLabels("kube-system", "coredns")));
  EXPECT_THAT(Path(), ElementsAre("decision:refused:protected_namespace"));
  EXPECT_TRUE(RestartedAt(Deployment("kube-system", "coredns")).empty());
  EXPECT_EQ(Metric("rebound_guardrail_blocks_total", {{"reason", "protected_namespace"}}), 1);
  ASSERT_EQ(notifier_.sent().size(), 1u);
  EXPECT_EQ(notifier_.sent()[0].kind, notify::Notification::Kind::kRefusal);
}

TEST_F(HealerTest, MissingLabelIsARecordedRefusalNotAnEmptyName) {
  auto healer = MakeHealer(kCrashLoop);
  healer->Submit(Fire("f1", {{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}}));
  EXPECT_THAT(Path(), ElementsAre("decision:refused:template"));
  EXPECT_NE(Records()[0].message.find("deployment"), std::string::npos) << Records()[0].message;
  for (const std::string& call : kube_.calls()) EXPECT_EQ(call.find("\"\""), std::string::npos);
}

TEST_F(HealerTest, CooldownRefusesTheNextRemediationUntilItPasses) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode first = Fire("f1", CrashLabels());
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) Resolve(first);
  });
  healer->Submit(first);
  ASSERT_EQ(Path().back(), "outcome:healed");

  clock_.Advance(std::chrono::minutes(9));
  healer->Submit(Fire("f2", CrashLabels()));
  EXPECT_EQ(Path().back(), "decision:refused:cooldown");
  EXPECT_NE(Records().back().message.find("may act again in"), std::string::npos);

  clock_.Advance(std::chrono::minutes(1));
  intake::Episode third = Fire("f3", CrashLabels());
  sleeper_.SetHook([&](int) { Resolve(third); });
  healer->Submit(third);
  EXPECT_EQ(Path().back(), "outcome:healed");
}

TEST_F(HealerTest, KillSwitchRefusesUntilResumed) {
  ReadyDeployment("shop", "web", 3);
  GuardrailConfig config;
  config.paused = true;
  auto healer = MakeHealer(kCrashLoop, config);
  healer->Submit(Fire("f1", CrashLabels()));
  EXPECT_EQ(Path().back(), "decision:refused:paused");
  EXPECT_TRUE(RestartedAt(Deployment("shop", "web")).empty());

  guardrails_->SetPaused(false);
  intake::Episode episode = Fire("f2", CrashLabels());
  sleeper_.SetHook([&](int) { Resolve(episode); });
  healer->Submit(episode);
  EXPECT_EQ(Path().back(), "outcome:healed");
}

TEST_F(HealerTest, DryRunRecordsTheWholePathAndChangesNothing) {
  ReadyDeployment("shop", "web", 3);
  auto before = store_.Snapshot();
  GuardrailConfig config;
  config.dry_run = true;
  auto healer = MakeHealer(kCrashLoop, config);
  intake::Episode episode = Fire("f1", CrashLabels());
  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:dry_run",
                                  "action:rollback:failed:no_previous_revision",
                                  "action:notify:dry_run", "outcome:dry_run"));
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_EQ(sleeper_.sleeps(), 0);
  for (const auto& n : notifier_.sent()) EXPECT_TRUE(n.dry_run);
}

TEST_F(HealerTest, MessagesAboutATargetUnderAChaosRunAreMarkedAsADrill) {
  ReadyDeployment("shop", "web", 3);
  ReadyDeployment("shop", "api", 3);
  GuardrailConfig config;
  config.dry_run = true;
  auto healer = MakeHealer(kCrashLoop, config);
  deps_->drill = [](const std::string& target) { return target == "Deployment shop/web"; };
  healer->Submit(Fire("f1", CrashLabels()));
  std::vector<notify::Notification> web = notifier_.sent();
  ASSERT_FALSE(web.empty());
  for (const auto& n : web) EXPECT_TRUE(n.drill) << n.title;

  healer->Submit(Fire("f2", CrashLabels("shop", "api")));
  std::vector<notify::Notification> all = notifier_.sent();
  ASSERT_GT(all.size(), web.size());
  for (size_t i = web.size(); i < all.size(); ++i) EXPECT_FALSE(all[i].drill) << all[i].title;
}

TEST_F(HealerTest, GlobalHourlyCapRefusesOverTheLimit) {
  ReadyDeployment("shop", "web", 3);
  ReadyDeployment("shop", "api", 3);
  GuardrailConfig config;
  config.max_actions_per_hour = 1;
  auto healer = MakeHealer(kCrashLoop, config);
  intake::Episode first = Fire("f1", CrashLabels("shop", "web"));
  sleeper_.SetHook([&](int) { Resolve(first); });
  healer->Submit(first);
  ASSERT_EQ(Path().back(), "outcome:healed");
  healer->Submit(Fire("f2", CrashLabels("shop", "api")));
  EXPECT_EQ(Path().back(), "decision:refused:max_per_hour");
  EXPECT_TRUE(RestartedAt(Deployment("shop", "api")).empty());
}

TEST_F(HealerTest, CircuitBreakerOpensAfterRepeatedFailures) {
  ReadyDeployment("shop", "web", 3);
  GuardrailConfig config;
  config.circuit_breaker_failures = 2;
  auto healer = MakeHealer(kCrashLoop, config);
  healer->Submit(Fire("f1", CrashLabels()));
  clock_.Advance(std::chrono::minutes(10));  // the playbook's cooldown
  healer->Submit(Fire("f2", CrashLabels()));
  EXPECT_EQ(Path().back(), "outcome:unhealed");
  clock_.Advance(std::chrono::minutes(10));
  healer->Submit(Fire("f3", CrashLabels()));
  EXPECT_EQ(Path().back(), "decision:refused:circuit_open");
}

// The mark a remediation of `episode` left on Deployment shop/web before a restart, at `step`.
HealMark MarkOf(const intake::Episode& episode, int step, const std::string& action,
                nlohmann::json plan, std::chrono::system_clock::time_point at) {
  HealMark mark;
  mark.remediation = episode.key.fingerprint + "@" + episode.key.starts_at;
  mark.playbook = "crashloop";
  mark.step = step;
  mark.action = action;
  mark.at = at;
  mark.plan = std::move(plan);
  return mark;
}

class HealerRestartTest : public HealerTest {
 protected:
  // Puts `mark` on Deployment shop/web, with the pod template restarted at `restarted_at`
  // unless that is empty.
  void PutMark(const HealMark& mark, const std::string& restarted_at) {
    nlohmann::json d = Deployment("shop", "web");
    d["metadata"]["annotations"][std::string(kLastHealAnnotation)] = mark.ToJson().dump();
    if (!restarted_at.empty()) {
      d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
          restarted_at;
    }
    store_.Put(kube::kDeployments, d);
  }
  // The "folded" decision of `episode` into the crashloop remediation `first` started.
  HealRecord FoldedRecord(const intake::Episode& episode, const intake::Episode& first) {
    HealRecord folded;
    folded.at = clock_.Now();
    folded.episode = episode.key;
    folded.playbook = "crashloop";
    folded.target = "Deployment shop/web";
    folded.result = "folded";
    folded.joined = first.key;
    return folded;
  }
  size_t Patches() const {
    const std::vector<std::string> calls = kube_.calls();
    return static_cast<size_t>(std::count_if(calls.begin(), calls.end(), [](const std::string& c) {
      return c.starts_with("patch deployments");
    }));
  }
};

TEST_F(HealerRestartTest, AMarkedStepWhoseActionTookEffectIsVerifiedNotRepeated) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  PutMark(MarkOf(episode, 0, "restart", {{"restartedAt", "2026-11-22T10:21:53Z"}}, clock_.Now()),
          "2026-11-22T10:21:53Z");
  sleeper_.SetHook([&](int) { Resolve(episode); });

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:noop",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_EQ(Records()[1].message,
            "resumed after a restart: Deployment shop/web was already restarted (restartedAt "
            "2026-11-22T10:21:53Z)");
  EXPECT_EQ(Patches(), 0u) << "neither marked again nor restarted again";
  EXPECT_EQ(RestartedAt(Deployment("shop", "web")), "2026-11-22T10:21:53Z");
}

TEST_F(HealerRestartTest, AMarkedStepWhoseActionNeverRanActsWithThePlannedValue) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  // The mark reached the API server; the restart did not (a crash in between).
  PutMark(MarkOf(episode, 0, "restart", {{"restartedAt", "2026-11-22T10:21:53Z"}}, clock_.Now()),
          "");
  sleeper_.SetHook([&](int) { Resolve(episode); });

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_EQ(Records()[1].message,
            "resumed after a restart: restarted Deployment shop/web (restartedAt "
            "2026-11-22T10:21:53Z)");
  EXPECT_EQ(RestartedAt(Deployment("shop", "web")), "2026-11-22T10:21:53Z");
  EXPECT_EQ(Patches(), 1u) << "the restart only: the mark is already there";
  // It acted now, so it counts towards the hourly caps and the cooldown.
  std::optional<Refusal> refusal = guardrails_->CheckStart(*healer->playbooks()->Find("crashloop"),
                                                           {"Deployment", "shop", "web"}, false);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason, "cooldown");
}

TEST_F(HealerRestartTest, ARestartedRemediationResumesAtItsMarkedStepDespiteItsOwnCooldown) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  // Before the restart: step 1 (rollback) was marked and had rolled back (the Deployment runs
  // the template of the ReplicaSet it went back to), and the heal log counted the restart.
  nlohmann::json d = Deployment("shop", "web");
  d["metadata"]["uid"] = "web-uid";
  d["metadata"]["annotations"]["rebound.io/rolled-back-to"] = "h1";
  store_.Put(kube::kDeployments, d);
  nlohmann::json rs_template = d["spec"]["template"];
  rs_template["metadata"]["labels"]["pod-template-hash"] = "h1";
  store_.Put(kube::kReplicaSets, {{"metadata",
                                   {{"name", "web-h1"},
                                    {"namespace", "shop"},
                                    {"labels", {{"app", "web"}, {"pod-template-hash", "h1"}}},
                                    {"annotations", {{"deployment.kubernetes.io/revision", "3"}}},
                                    {"ownerReferences",
                                     {{{"apiVersion", "apps/v1"},
                                       {"kind", "Deployment"},
                                       {"name", "web"},
                                       {"uid", "web-uid"},
                                       {"controller", true}}}}}},
                                  {"spec", {{"template", rs_template}}}});
  PutMark(MarkOf(episode, 1, "rollback", nullptr, clock_.Now()), "");
  guardrails_->RecordAction("crashloop", "Deployment shop/web", clock_.Now());
  sleeper_.SetHook([&](int) { Resolve(episode); });

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:rollback:noop",
                                  "verify:rollback:passed", "outcome:healed"));
  EXPECT_NE(Records()[0].message.find("resuming playbook crashloop at step 2"), std::string::npos)
      << Records()[0].message;
  // A different episode is still held back by that cooldown.
  healer->Submit(Fire("f2", CrashLabels()));
  EXPECT_EQ(Path().back(), "decision:refused:cooldown");
}

// A newly elected leader starts with no history of its own: the mark another replica left on
// the target carries that replica's cooldown over, so the new leader does not act again.
TEST_F(HealerRestartTest, AMarkLeftByAnotherReplicaIsACooldown) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  const intake::Episode other = Fire("f0", CrashLabels());
  PutMark(MarkOf(other, 0, "restart", nullptr, clock_.Now() - std::chrono::minutes(5)), "");

  healer->Submit(Fire("f1", CrashLabels()));
  EXPECT_EQ(Path().back(), "decision:refused:cooldown");
  EXPECT_EQ(Patches(), 0u);

  clock_.Advance(std::chrono::minutes(6));  // the playbook's 10m cooldown is over
  healer->Submit(Fire("f2", CrashLabels()));
  EXPECT_NE(Path().back(), "decision:refused:cooldown");
  EXPECT_GT(Patches(), 0u);
}

TEST_F(HealerRestartTest, AStepWhoseMarkCannotBeWrittenDoesNotActAndEscalates) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  kube_.FailNext(kube::Verb::kPatch, "deployments", common::Unavailable("etcd is down"), 100);

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:failed:mark_failed",
                                  "action:rollback:failed:mark_failed", "action:notify:done",
                                  "escalation:escalated:steps_exhausted", "outcome:unhealed"));
  EXPECT_TRUE(RestartedAt(Deployment("shop", "web")).empty()) << "no action without its mark";
  EXPECT_EQ(Patches(), 2u * Remediation::kMarkAttempts) << "bounded retries of the mark only";
  EXPECT_NE(Records()[1].message.find("not acting without the mark"), std::string::npos)
      << Records()[1].message;
}

TEST_F(HealerRestartTest, AMarkThatFailsOnceIsRetriedAndTheStepActs) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  kube_.FailNext(kube::Verb::kPatch, "deployments", common::Unavailable("etcd is down"), 1);
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps > 1) Resolve(episode);
  });

  healer->Submit(episode);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:passed", "outcome:healed"));
  std::optional<HealMark> mark = ReadHealMark(Deployment("shop", "web"));
  ASSERT_TRUE(mark.has_value());
  EXPECT_EQ(mark->plan["restartedAt"], RestartedAt(Deployment("shop", "web")))
      << "the mark records the value the restart wrote";
}

TEST_F(HealerRestartTest, AShutdownWhileTheMarkIsRetriedStopsWithoutActing) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  kube_.FailNext(kube::Verb::kPatch, "deployments", common::Unavailable("etcd is down"), 100);
  std::stop_source stop;
  sleeper_.SetHook([&](int) { stop.request_stop(); });
  std::shared_ptr<const playbook::Playbook> playbook = healer->playbooks()->Find("crashloop");
  common::Result<ResolvedTarget> target =
      ResolveTarget(playbook->target, EpisodeVars(episode, playbook->name), kube_);
  ASSERT_TRUE(target.ok());
  Remediation remediation(*deps_, playbook, *target, episode);

  EXPECT_EQ(remediation.Run(stop.get_token()), RemediationOutcome::kInterrupted);
  EXPECT_THAT(Path(), ElementsAre("action:restart:failed:stopped", "outcome:interrupted"));
  EXPECT_TRUE(RestartedAt(Deployment("shop", "web")).empty());
  EXPECT_EQ(StateOf(episode), EpisodeState::kReceived) << "left for the next start";
}

constexpr char kPodRestart[] = R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata: { name: crashloop }
spec:
  match: [ 'alertname = "PodCrashLooping"' ]
  target: { kind: Pod, namespace: "{{ labels.namespace }}", name: "{{ labels.pod }}" }
  steps:
    - action: restart
      verify: { within: 1m }
    - action: notify
      message: "Could not heal {{ target }}"
      escalate: true
)";

// A second alert for the target folded into the running remediation; the daemon stopped while
// that remediation verified its restart. After the restart the remediation resumes and the
// folded episode joins it again instead of being decided a second time (refused by the
// cooldown the remediation's own mark carries): one decision for it, one restart of the
// target, and the resumed verification waits for its alert too.
TEST_F(HealerRestartTest, AnEpisodeFoldedBeforeARestartJoinsTheResumedRemediation) {
  ReadyDeployment("shop", "web", 3);
  healer_options_.synchronous = false;
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode first = Fire("f1", CrashLabels());
  intake::Episode second = Fire("f2", CrashLabels());
  FirstSleepHold hold(sleeper_);
  healer->Submit(first);
  ASSERT_TRUE(hold.WaitHeld(std::chrono::seconds(30)));
  healer->Submit(second);
  healer->WaitIdle(1);  // folded
  healer->RequestStop();
  hold.Release();
  healer.reset();  // the daemon stops: the remediation is interrupted
  ASSERT_EQ(Path().back(), "outcome:interrupted");
  ASSERT_EQ(StateOf(second), EpisodeState::kPending);
  const size_t before = Records().size();
  const size_t patches = Patches();

  healer_options_.synchronous = true;
  auto restarted = MakeHealer(kCrashLoop);
  // The first alert resolves at once; the folded one a few polls later.
  sleeper_.SetHook([&](int sleeps) {
    Resolve(first);
    if (sleeps >= 3) Resolve(second);
  });
  restarted->Submit({*journal_->Get(first.key), *journal_->Get(second.key)});

  const std::vector<HealRecord> records = Records();
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [&](const HealRecord& r) { return r.episode == second.key; }),
            1)
      << "the folded episode is not decided again";
  const std::vector<std::string> path = Path();
  EXPECT_THAT(std::vector<std::string>(path.begin() + static_cast<long>(before), path.end()),
              ElementsAre("decision:matched", "action:restart:noop", "verify:restart:passed",
                          "outcome:healed"));
  EXPECT_EQ(Patches(), patches) << "nothing acts a second time";
  EXPECT_GE(sleeper_.sleeps(), 3) << "the verification waited for the folded alert";
  EXPECT_EQ(StateOf(second), EpisodeState::kClosed);
}

// The remediation a second alert folded into had ended (healed) before a restart, but the
// folded episode's "handled" was lost: the heal log settles it with that remediation.
TEST_F(HealerRestartTest, AnEpisodeFoldedIntoAFinishedRemediationIsSettledWithIt) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode first = Fire("f1", CrashLabels());
  intake::Episode second = Fire("f2", CrashLabels());
  const HealRecord folded = FoldedRecord(second, first);
  sleeper_.SetHook([&](int) {
    if (Records().size() == 2) {  // while verifying
      EXPECT_TRUE(log_->Append(folded).ok());
    }
    Resolve(first);
  });
  healer->Submit(first);
  ASSERT_EQ(Path().back(), "outcome:healed");
  ASSERT_TRUE(journal_->SetState(second.key, EpisodeState::kPending).ok());
  const size_t records = Records().size();

  auto restarted = MakeHealer(kCrashLoop);
  restarted->Submit(*journal_->Get(second.key));
  EXPECT_EQ(Records().size(), records) << "not decided again";
  EXPECT_EQ(StateOf(second), EpisodeState::kHandled);
  EXPECT_EQ(Patches(), 2u) << "the first remediation's mark and restart only";
}

// Before a restart a second alert folded into the remediation the first was to start, but
// the first's decision was never recorded (the heal log failed until the stop). After the
// restart a third alert's remediation runs on the target first, and the first alert folds into
// it: the episode that had joined the first one joins that remediation too (its verification
// waits for it) rather than wait for one that will not run, with no decision of its own.
TEST_F(HealerRestartTest, AnEpisodeFoldedIntoAnUnrecordedRemediationJoinsTheOneThatRuns) {
  ReadyDeployment("shop", "web", 3);
  healer_options_.synchronous = false;
  intake::Episode first = Fire("f1", CrashLabels());
  intake::Episode second = Fire("f2", CrashLabels());
  intake::Episode third = Fire("f3", CrashLabels());
  const HealRecord folded = FoldedRecord(second, first);
  ASSERT_TRUE(log_->Append(folded).ok());
  for (const intake::Episode* e : {&first, &second, &third}) {  // handed to healing
    ASSERT_TRUE(journal_->SetState(e->key, EpisodeState::kPending).ok());
  }

  auto healer = MakeHealer(kCrashLoop);
  FirstSleepHold hold(sleeper_);
  healer->Submit(third);
  ASSERT_TRUE(hold.WaitHeld(std::chrono::seconds(30)));  // third's remediation verifies
  healer->Submit({*journal_->Get(second.key), *journal_->Get(first.key)});
  healer->WaitIdle(1);
  ASSERT_EQ(healer->Active().size(), 1u);
  EXPECT_EQ(healer->Active()[0].episodes, 3u) << "the folded episode joined the one that runs";
  Resolve(first);
  Resolve(second);
  Resolve(third);
  hold.Release();
  healer->WaitIdle();
  EXPECT_EQ(Path().back(), "outcome:healed");
  EXPECT_EQ(StateOf(second), EpisodeState::kClosed);
  const std::vector<HealRecord> records = Records();
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [&](const HealRecord& r) { return r.episode == second.key; }),
            1)
      << "not decided again";
  EXPECT_EQ(Patches(), 2u) << "one mark and one restart";
}

// The heal log on a full disk: a decision is carried out only once recorded.
class HealerDiskFullTest : public HealerRestartTest {
 protected:
  void SetUp() override {
    auto vfs = store::FaultVfs::Register("healer-disk-full");
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(*vfs);
    log_.reset();
    auto log = HealLog::Open(dir_.path(), vfs_->name());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
  }
  void TearDown() override { log_.reset(); }  // before the VFS it uses

  std::unique_ptr<store::FaultVfs> vfs_;
};

TEST_F(HealerDiskFullTest, ADecisionIsRetriedUntilRecordedAndMadeOnce) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  vfs_->Inject(store::Fault::kDiskFull);
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 2) vfs_->Inject(store::Fault::kNone);  // space is back after two tries
    if (sleeps > 2) Resolve(episode);
  });
  healer->Submit(episode);
  EXPECT_GE(vfs_->failures(), 2);
  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_EQ(Patches(), 2u) << "one mark, one restart";

  // Its "handled" lost: still decided once.
  ASSERT_TRUE(journal_->SetState(episode.key, EpisodeState::kPending).ok());
  auto restarted = MakeHealer(kCrashLoop);
  restarted->Submit(*journal_->Get(episode.key));
  EXPECT_EQ(Records().size(), 4u);
  EXPECT_EQ(Patches(), 2u);
}

// The disk stays full until the daemon stops: nothing was recorded, so nothing acted, nobody
// was told, and the episode stays pending, decided at the next start.
TEST_F(HealerDiskFullTest, ADecisionNeverRecordedDoesNotAct) {
  ReadyDeployment("shop", "web", 3);
  healer_options_.synchronous = false;
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  vfs_->Inject(store::Fault::kDiskFull);
  std::promise<void> retried;
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 3) retried.set_value();
  });
  healer->Submit(episode);
  ASSERT_EQ(retried.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  healer->Stop();
  vfs_->Inject(store::Fault::kNone);
  EXPECT_TRUE(Records().empty());
  EXPECT_EQ(Patches(), 0u);
  EXPECT_TRUE(notifier_.sent().empty());
  EXPECT_EQ(StateOf(episode), EpisodeState::kPending);
}

TEST_F(HealerRestartTest, APodTargetedRemediationResumesOnTheWorkloadItResolvedBeforeARestart) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kPodRestart);
  intake::Episode fired =
      Fire("f1", {{"alertname", "PodCrashLooping"}, {"namespace", "shop"}, {"pod", "web-7d9-abc"}});
  // Before the restart: the pod resolved to Deployment shop/web, the remediation was recorded,
  // marked step 0 and restarted the Deployment, which replaced the pod (web-7d9-abc is gone).
  ASSERT_TRUE(journal_->SetState(fired.key, EpisodeState::kPending, "crashloop").ok());
  HealRecord matched;
  matched.at = clock_.Now();
  matched.episode = fired.key;
  matched.alertname = "PodCrashLooping";
  matched.playbook = "crashloop";
  matched.target = "Deployment shop/web";
  matched.kind = HealRecord::Kind::kDecision;
  matched.result = "matched";
  ASSERT_TRUE(log_->Append(matched).ok());
  PutMark(MarkOf(fired, 0, "restart", {{"restartedAt", "2026-11-22T10:21:53Z"}}, clock_.Now()),
          "2026-11-22T10:21:53Z");
  common::Result<intake::Episode> resumed = journal_->Get(fired.key);  // as the worker resumes
  ASSERT_TRUE(resumed.ok());
  sleeper_.SetHook([&](int) { Resolve(fired); });

  healer->Submit(*resumed);

  EXPECT_THAT(Path(), ElementsAre("decision:matched", "decision:matched", "action:restart:noop",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_EQ(Records()[1].target, "Deployment shop/web");
  EXPECT_NE(Records()[1].message.find("resuming playbook crashloop at step 1"), std::string::npos)
      << Records()[1].message;
  EXPECT_EQ(RestartedAt(Deployment("shop", "web")), "2026-11-22T10:21:53Z")
      << "not restarted twice";
  EXPECT_EQ(StateOf(fired), EpisodeState::kClosed) << "healed, then resolved";
}

TEST_F(HealerRestartTest, ANewAlertForAPodThatIsGoneIsStillRefused) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kPodRestart);
  intake::Episode fired =
      Fire("f1", {{"alertname", "PodCrashLooping"}, {"namespace", "shop"}, {"pod", "web-7d9-abc"}});
  healer->Submit(fired);
  EXPECT_THAT(Path(), ElementsAre("decision:refused:target_not_found"));
  EXPECT_TRUE(RestartedAt(Deployment("shop", "web")).empty());
}

TEST_F(HealerTest, TheKillSwitchStopsTheNextActionAndSaysSo) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  // Paused while the first step verifies.
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) guardrails_->SetPaused(true);
  });
  healer->Submit(episode);
  EXPECT_THAT(Path(), ElementsAre("decision:matched", "action:restart:done",
                                  "verify:restart:failed:not_resolved",
                                  "action:rollback:refused:paused", "outcome:refused"));
  auto sent = notifier_.sent();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().kind, notify::Notification::Kind::kRefusal);
  EXPECT_EQ(Metric("rebound_guardrail_blocks_total", {{"reason", "paused"}}), 1);
}

TEST_F(HealerTest, AlertResolvedBeforeTheFirstStepIsSkipped) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(kCrashLoop);
  intake::Episode episode = Fire("f1", CrashLabels());
  Resolve(episode);
  healer->Submit(episode);
  EXPECT_THAT(Path(), ElementsAre("decision:matched", "decision:restart:skipped:resolved",
                                  "outcome:skipped"));
  EXPECT_TRUE(RestartedAt(Deployment("shop", "web")).empty());
}

TEST_F(HealerTest, SomeoneElsesRolloutIsNotInterruptedButAStalledOneIsHealed) {
  nlohmann::json d = ReadyDeployment("shop", "web", 3);
  d["spec"]["progressDeadlineSeconds"] = 60;
  d["status"]["updatedReplicas"] = 1;
  d["status"]["conditions"] = {
      {{"type", "Progressing"},
       {"status", "True"},
       {"reason", "ReplicaSetUpdated"},
       {"message", "ReplicaSet \"web-2\" is progressing."},
       {"lastUpdateTime", common::FormatRfc3339(common::Timestamp::FromTimePoint(clock_.Now()))}}};
  store_.Put(kube::kDeployments, d);
  auto healer = MakeHealer(kCrashLoop);
  int waited = 0;
  sleeper_.SetHook([&](int) { ++waited; });
  healer->Submit(Fire("f1", CrashLabels()));
  // It waited for the rollout's 60 s deadline (5 s polls), then acted on the stalled rollout.
  EXPECT_EQ(Path()[1], "decision:restart:waiting:rollout_in_progress");
  EXPECT_EQ(Path()[2], "action:restart:done");
  EXPECT_GE(waited, 12);
}

TEST_F(HealerTest, APodTargetResolvesToItsDeployment) {
  nlohmann::json d = ReadyDeployment("shop", "web", 1);
  nlohmann::json rs = store_.Put(
      kube::kReplicaSets,
      {{"metadata",
        {{"name", "web-7d9"},
         {"namespace", "shop"},
         {"ownerReferences",
          {{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"},
            {"uid", d["metadata"]["uid"]}, {"controller", true}}}}}}});
  store_.Put(kube::kPods,
             {{"metadata",
               {{"name", "web-7d9-abc"},
                {"namespace", "shop"},
                {"ownerReferences",
                 {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "web-7d9"},
                   {"uid", rs["metadata"]["uid"]}, {"controller", true}}}}}}});
  auto healer = MakeHealer(R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata: { name: pod-restart }
spec:
  match: [ 'alertname = "PodNotReady"' ]
  target: { kind: Pod, namespace: "{{ labels.namespace }}", name: "{{ labels.pod }}" }
  steps:
    - action: restart
)");
  intake::Episode episode =
      Fire("f1", {{"alertname", "PodNotReady"}, {"namespace", "shop"}, {"pod", "web-7d9-abc"}});
  sleeper_.SetHook([&](int) { Resolve(episode); });
  healer->Submit(episode);
  EXPECT_EQ(Records()[0].target, "Deployment shop/web");
  EXPECT_FALSE(RestartedAt(Deployment("shop", "web")).empty());
}

TEST_F(HealerTest, VerificationQueryMustHold) {
  ReadyDeployment("shop", "web", 3);
  auto healer = MakeHealer(R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata: { name: errors }
spec:
  match: [ 'alertname = "HighErrorRate"' ]
  target: { kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}" }
  steps:
    - action: restart
      verify:
        within: 30s
        resolved: false
        query: 'error_ratio{deployment="{{ target.name }}"} < 0.1'
)");
  prometheus_.SetVector("error_ratio{deployment=\"web\"} < 0.1", std::nullopt);
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 3) prometheus_.SetVector("error_ratio{deployment=\"web\"} < 0.1", 0.02);
  });
  healer->Submit(Fire("f1", {{"alertname", "HighErrorRate"}, {"namespace", "shop"},
                              {"deployment", "web"}}));
  EXPECT_EQ(Path().back(), "outcome:healed");
  EXPECT_EQ(sleeper_.sleeps(), 3);
}

TEST_F(HealerTest, EpisodesForATargetUnderRemediationFoldIntoIt) {
  ReadyDeployment("shop", "web", 3);
  GuardrailConfig config;
  guardrails_ = std::make_unique<Guardrails>(config, clock_);
  deps_ = std::make_unique<HealingDeps>(
      HealingDeps{*journal_, *log_, kube_, &prometheus_, notifier_, http_, clock_, sleeper_,
                  *guardrails_, metrics_, std::chrono::seconds(5), "rebound-0", nullptr});
  Healer::Options options;  // threads
  Healer healer(*deps_, Playbooks(kCrashLoop), options);
  intake::Episode first = Fire("f1", CrashLabels());
  intake::Episode second = Fire("f2", CrashLabels());
  FirstSleepHold hold(sleeper_);
  healer.Submit(first);
  ASSERT_TRUE(hold.WaitHeld(std::chrono::seconds(30)));  // the remediation verifies its restart
  healer.Submit(second);
  healer.WaitIdle(1);  // the second episode is handled; the first remediation still runs
  // The second episode joins the first remediation instead of starting another.
  const std::vector<HealRecord> records = Records();
  EXPECT_TRUE(std::any_of(records.begin(), records.end(),
                          [](const HealRecord& r) { return r.result == "folded"; }));
  ASSERT_EQ(healer.Active().size(), 1u);
  EXPECT_EQ(healer.Active()[0].episodes, 2u);
  Resolve(first);
  Resolve(second);
  hold.Release();
  healer.WaitIdle();
  EXPECT_EQ(Path().back(), "outcome:healed");
  EXPECT_EQ(StateOf(first), EpisodeState::kClosed);
  EXPECT_EQ(StateOf(second), EpisodeState::kClosed);
  EXPECT_EQ(Metric("rebound_heal_actions_total", {{"action", "restart"}}), 1);
}

}  // namespace
}  // namespace rebound::controller::healing
