#include "controller/healing/guardrails.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace rebound::controller::healing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr milliseconds kMs(1);

playbook::Playbook MakePlaybook(const std::string& name) {
  playbook::Playbook p;
  p.name = name;
  return p;
}

actions::Target MakeTarget(const std::string& ns, const std::string& name) {
  actions::Target t;
  t.kind = "Deployment";
  t.ns = ns;
  t.name = name;
  return t;
}

HealRecord Record(HealRecord::Kind kind, const std::string& action, const std::string& result,
                  std::chrono::system_clock::time_point at) {
  HealRecord r;
  r.kind = kind;
  r.playbook = "crashloop";
  r.target = "Deployment shop/web";
  r.action = action;
  r.result = result;
  r.at = at;
  return r;
}

std::string ReasonOf(const std::optional<Refusal>& refusal) {
  return refusal ? refusal->reason : "allowed";
}

class GuardrailsTest : public ::testing::Test {
 protected:
  // Defaults with the limits a test does not exercise out of the way.
  static GuardrailConfig Config() {
    GuardrailConfig config;
    config.max_actions_per_hour = 1000;
    return config;
  }

  std::optional<Refusal> Start(const Guardrails& g, const playbook::Playbook& p,
                               const actions::Target& t = MakeTarget("shop", "web")) {
    return g.CheckStart(p, t);
  }
  void Act(Guardrails& g, const std::string& playbook,
           const std::string& target = "Deployment shop/web") {
    g.RecordAction(playbook, target, clock_.Now());
  }

  // Restores `records` as the daemon does, with the built-in actions' traits.
  void Restore(Guardrails& g, const std::vector<HealRecord>& records) const {
    g.Restore(records, actions_);
  }

  const actions::ActionRegistry actions_ = [] {
    actions::ActionRegistry registry;
    actions::RegisterBuiltinActions(registry);
    return registry;
  }();
  testing::FakeClock clock_;
  const playbook::Playbook crashloop_ = MakePlaybook("crashloop");
  const actions::Target web_ = MakeTarget("shop", "web");
};

TEST_F(GuardrailsTest, NothingRecordedAllowsEverything) {
  Guardrails g(Config(), clock_);
  EXPECT_EQ(Start(g, crashloop_), std::nullopt);
  EXPECT_EQ(g.CheckAction(crashloop_), std::nullopt);
}

TEST_F(GuardrailsTest, CooldownLiftsExactlyWhenItEnds) {
  Guardrails g(Config(), clock_);  // cooldown 15m
  Act(g, "crashloop");

  clock_.Advance(minutes(15) - kMs);
  std::optional<Refusal> refusal = Start(g, crashloop_);
  ASSERT_EQ(ReasonOf(refusal), "cooldown");
  EXPECT_EQ(refusal->message,
            "playbook crashloop acted on Deployment shop/web 14m59s999ms ago; cooldown is 15m, "
            "so it may act again in 1ms");

  clock_.Advance(kMs);
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, PlaybookCooldownOverridesTheGlobalOne) {
  Guardrails g(Config(), clock_);  // global cooldown 15m
  playbook::Playbook quick = MakePlaybook("quick");
  quick.guardrails.cooldown = minutes(2);
  playbook::Playbook slow = MakePlaybook("slow");
  slow.guardrails.cooldown = minutes(30);
  Act(g, "quick");
  Act(g, "slow");

  clock_.Advance(minutes(2) - kMs);
  EXPECT_EQ(ReasonOf(Start(g, quick)), "cooldown");
  clock_.Advance(kMs);
  EXPECT_EQ(ReasonOf(Start(g, quick)), "allowed");

  clock_.Advance(minutes(28) - kMs);  // 15m of the global cooldown long gone
  std::optional<Refusal> refusal = Start(g, slow);
  ASSERT_EQ(ReasonOf(refusal), "cooldown");
  EXPECT_THAT(refusal->message, HasSubstr("cooldown is 30m"));
  clock_.Advance(kMs);
  EXPECT_EQ(ReasonOf(Start(g, slow)), "allowed");
}

TEST_F(GuardrailsTest, CooldownIsPerPlaybookAndTarget) {
  Guardrails g(Config(), clock_);
  Act(g, "crashloop");

  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "cooldown");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_, MakeTarget("shop", "api"))), "allowed");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_, MakeTarget("other", "web"))), "allowed");
  EXPECT_EQ(ReasonOf(Start(g, MakePlaybook("memory"))), "allowed");
  // Between actions of one remediation the cooldown does not apply.
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, GlobalCapAllowsTheNthRefusesTheNextUntilTheOldestLeavesTheHour) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 3;
  Guardrails g(config, clock_);
  const auto first = clock_.Now();
  Act(g, "a", "Deployment shop/a");
  clock_.Advance(minutes(10));
  Act(g, "b", "Deployment shop/b");
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");  // the third
  Act(g, "c", "Deployment shop/c");

  std::optional<Refusal> refusal = Start(g, crashloop_);
  ASSERT_EQ(ReasonOf(refusal), "max_per_hour");
  EXPECT_EQ(refusal->message,
            "3 actions in the last hour reach the global cap of 3 "
            "(guardrails.max_actions_per_hour); the next is allowed in 50m");
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "max_per_hour");

  clock_.Advance(first + hours(1) - kMs - clock_.Now());
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "max_per_hour");
  clock_.Advance(kMs);  // the first is an hour old: out of the rolling hour
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, GlobalCapOfZeroNeverAllows) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 0;
  Guardrails g(config, clock_);

  std::optional<Refusal> refusal = g.CheckAction(crashloop_);
  ASSERT_EQ(ReasonOf(refusal), "max_per_hour");
  EXPECT_THAT(refusal->message, HasSubstr("global cap of 0"));
  EXPECT_THAT(refusal->message, HasSubstr("no action is ever allowed"));
  clock_.Advance(hours(5));
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "max_per_hour");
}

TEST_F(GuardrailsTest, PlaybookCapCountsOnlyThatPlaybook) {
  Guardrails g(Config(), clock_);
  playbook::Playbook capped = MakePlaybook("capped");
  capped.guardrails.max_per_hour = 2;
  Act(g, "capped", "Deployment shop/a");
  clock_.Advance(minutes(5));
  EXPECT_EQ(ReasonOf(g.CheckAction(capped)), "allowed");
  Act(g, "capped", "Deployment shop/b");

  std::optional<Refusal> refusal = g.CheckAction(capped);
  ASSERT_EQ(ReasonOf(refusal), "playbook_max_per_hour");
  EXPECT_EQ(refusal->message,
            "playbook capped took 2 actions in the last hour, its cap "
            "(spec.guardrails.maxPerHour) is 2; the next is allowed in 55m");
  EXPECT_EQ(ReasonOf(Start(g, capped, MakeTarget("shop", "c"))), "playbook_max_per_hour");
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");  // other playbooks act on

  clock_.Advance(minutes(55) - kMs);
  EXPECT_EQ(ReasonOf(g.CheckAction(capped)), "playbook_max_per_hour");
  clock_.Advance(kMs);
  EXPECT_EQ(ReasonOf(g.CheckAction(capped)), "allowed");
}

TEST_F(GuardrailsTest, PlaybookCapOfZeroNeverAllows) {
  Guardrails g(Config(), clock_);
  playbook::Playbook never = MakePlaybook("never");
  never.guardrails.max_per_hour = 0;

  std::optional<Refusal> refusal = g.CheckAction(never);
  ASSERT_EQ(ReasonOf(refusal), "playbook_max_per_hour");
  EXPECT_THAT(refusal->message, HasSubstr("its cap (spec.guardrails.maxPerHour) is 0"));
  EXPECT_THAT(refusal->message, Not(HasSubstr("next is allowed")));
}

TEST_F(GuardrailsTest, ProtectedNamespacesAreNeverTouched) {
  Guardrails defaults(Config(), clock_);
  std::optional<Refusal> refusal = Start(defaults, crashloop_, MakeTarget("kube-system", "dns"));
  ASSERT_EQ(ReasonOf(refusal), "protected_namespace");
  EXPECT_THAT(refusal->message, HasSubstr("namespace kube-system is protected"));
  EXPECT_EQ(ReasonOf(Start(defaults, crashloop_)), "allowed");

  GuardrailConfig config = Config();
  config.protected_namespaces = {"payments", "vault"};
  Guardrails custom(config, clock_);
  EXPECT_EQ(ReasonOf(Start(custom, crashloop_, MakeTarget("vault", "vault"))),
            "protected_namespace");
  EXPECT_EQ(ReasonOf(Start(custom, crashloop_, MakeTarget("kube-system", "dns"))), "allowed");
}

TEST_F(GuardrailsTest, KillSwitchStopsStartsAndActionsUntilLifted) {
  GuardrailConfig config = Config();
  config.paused = true;
  Guardrails g(config, clock_);
  EXPECT_TRUE(g.paused());
  std::optional<Refusal> refusal = Start(g, crashloop_, MakeTarget("kube-system", "dns"));
  ASSERT_EQ(ReasonOf(refusal), "paused");  // checked first
  EXPECT_THAT(refusal->message, HasSubstr("POST /api/v1/resume"));
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "paused");

  g.SetPaused(false);
  EXPECT_FALSE(g.paused());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");

  g.SetPaused(true);
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "paused");
}

TEST_F(GuardrailsTest, CircuitBreakerOpensAfterKFailuresWithinTheWindow) {
  Guardrails g(Config(), clock_);  // 3 failures in 1h
  const std::string web = web_.ToString();
  g.RecordOutcome(web, false, clock_.Now());
  clock_.Advance(minutes(10));
  g.RecordOutcome(web, false, clock_.Now());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
  EXPECT_TRUE(g.OpenCircuits().empty());
  clock_.Advance(minutes(10));
  g.RecordOutcome(web, false, clock_.Now());
  EXPECT_EQ(g.OpenCircuits(), std::vector<std::string>{web});

  std::optional<Refusal> refusal = Start(g, crashloop_);
  ASSERT_EQ(ReasonOf(refusal), "circuit_open");
  EXPECT_EQ(refusal->message,
            "3 remediations of Deployment shop/web failed within 1h "
            "(guardrails.circuit_breaker): a person must look; it closes in 40m or when a "
            "remediation of it succeeds");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_, MakeTarget("shop", "api"))), "allowed");
  EXPECT_EQ(ReasonOf(Start(g, MakePlaybook("other"))), "circuit_open");  // per target
  // A running remediation is not cut short: the breaker judges starts only.
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");

  clock_.Advance(minutes(40) - kMs);
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "circuit_open");
  EXPECT_EQ(g.OpenCircuits(), std::vector<std::string>{web});
  clock_.Advance(kMs);  // the first failure leaves the window
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
  EXPECT_TRUE(g.OpenCircuits().empty());
}

TEST_F(GuardrailsTest, FailureOutsideTheWindowDoesNotCount) {
  GuardrailConfig config = Config();
  config.circuit_breaker_failures = 2;
  config.circuit_breaker_window = minutes(30);
  Guardrails g(config, clock_);
  const std::string web = web_.ToString();
  g.RecordOutcome(web, false, clock_.Now());
  clock_.Advance(minutes(30));
  g.RecordOutcome(web, false, clock_.Now());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
  g.RecordOutcome(web, false, clock_.Now());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "circuit_open");
}

TEST_F(GuardrailsTest, SuccessClosesTheBreaker) {
  GuardrailConfig config = Config();
  config.circuit_breaker_failures = 2;
  Guardrails g(config, clock_);
  const std::string web = web_.ToString();
  g.RecordOutcome(web, false, clock_.Now());
  g.RecordOutcome(web, false, clock_.Now());
  ASSERT_EQ(ReasonOf(Start(g, crashloop_)), "circuit_open");

  g.RecordOutcome(web, true, clock_.Now());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
  g.RecordOutcome(web, false, clock_.Now());  // counting starts afresh
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, NoteActionStartsTheCooldownWithoutCountingTowardsCaps) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 1;
  Guardrails g(config, clock_);
  playbook::Playbook capped = MakePlaybook("crashloop");
  capped.guardrails.max_per_hour = 1;
  g.NoteAction("crashloop", web_.ToString(), clock_.Now() - minutes(5));

  std::optional<Refusal> refusal = Start(g, capped);
  ASSERT_EQ(ReasonOf(refusal), "cooldown");
  EXPECT_THAT(refusal->message, HasSubstr("may act again in 10m"));
  EXPECT_EQ(ReasonOf(g.CheckAction(capped)), "allowed");
  EXPECT_EQ(ReasonOf(Start(g, capped, MakeTarget("shop", "api"))), "allowed");
}

TEST_F(GuardrailsTest, OlderNoteDoesNotShortenTheCooldown) {
  Guardrails g(Config(), clock_);
  Act(g, "crashloop");
  g.NoteAction("crashloop", web_.ToString(), clock_.Now() - hours(2));
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "cooldown");
}

TEST_F(GuardrailsTest, RestoreCountsOnlyDoneActionsThatChangeTheCluster) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 2;
  Guardrails g(config, clock_);
  const auto now = clock_.Now();
  using Kind = HealRecord::Kind;
  Restore(
      g,
      {Record(Kind::kAction, "restart", "done", now),
       Record(Kind::kAction, "restart", "dry_run", now),
       Record(Kind::kAction, "restart", "noop", now),
       Record(Kind::kAction, "restart", "refused", now),
       Record(Kind::kAction, "restart", "failed", now),
       Record(Kind::kAction, "notify", "done", now), Record(Kind::kAction, "webhook", "done", now),
       Record(Kind::kAction, "wait", "done", now), Record(Kind::kDecision, "", "matched", now),
       Record(Kind::kVerify, "restart", "passed", now)});
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");  // 1 of 2

  Restore(g, {Record(Kind::kAction, "scale", "done", now)});
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "max_per_hour");
}

TEST_F(GuardrailsTest, RestoredActionsStartCooldownsAndAgeOut) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 1;
  Guardrails g(config, clock_);
  Restore(g, {Record(HealRecord::Kind::kAction, "restart", "done", clock_.Now() - minutes(50))});

  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "max_per_hour");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_, MakeTarget("shop", "api"))), "max_per_hour");
  clock_.Advance(minutes(10));
  EXPECT_EQ(ReasonOf(Start(g, crashloop_, MakeTarget("shop", "api"))), "allowed");
  // The restored cooldown of crashloop on web (15m) is long over too.
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, RestoredOutcomesFeedTheBreaker) {
  GuardrailConfig config = Config();
  config.circuit_breaker_failures = 2;
  Guardrails g(config, clock_);
  const auto now = clock_.Now();
  using Kind = HealRecord::Kind;
  Restore(g, {Record(Kind::kOutcome, "", "unhealed", now - minutes(3)),
              Record(Kind::kOutcome, "", "refused", now - minutes(2)),
              Record(Kind::kOutcome, "", "skipped", now - minutes(2)),
              Record(Kind::kVerify, "restart", "failed", now - minutes(2))});
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");

  Restore(g, {Record(Kind::kOutcome, "", "unhealed", now - minutes(1))});
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "circuit_open");

  Restore(g, {Record(Kind::kOutcome, "", "healed", now)});
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");
}

TEST_F(GuardrailsTest, RestoreReplaysNewestFirstRecordsInTimeOrder) {
  // HealLog::Recent hands records newest first.
  GuardrailConfig config = Config();
  config.circuit_breaker_failures = 2;
  config.max_actions_per_hour = 2;
  config.cooldown = milliseconds(0);
  Guardrails g(config, clock_);
  const auto now = clock_.Now();
  using Kind = HealRecord::Kind;
  Restore(g, {Record(Kind::kOutcome, "", "healed", now - minutes(1)),
              Record(Kind::kAction, "restart", "done", now - minutes(2)),
              Record(Kind::kOutcome, "", "unhealed", now - minutes(3)),
              Record(Kind::kOutcome, "", "unhealed", now - minutes(4)),
              Record(Kind::kAction, "restart", "done", now - minutes(61))});

  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "allowed");       // healed after both failures
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "allowed");  // one action in the last hour
}

TEST_F(GuardrailsTest, ChecksRunInTheDocumentedOrder) {
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 1;
  config.circuit_breaker_failures = 1;
  Guardrails g(config, clock_);
  Act(g, "crashloop");
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "cooldown");  // before the global cap
  g.RecordOutcome(web_.ToString(), false, clock_.Now());
  EXPECT_EQ(ReasonOf(Start(g, crashloop_)), "circuit_open");  // before the cooldown
}

TEST_F(GuardrailsTest, BlastRadiusAppliesThePlaybookOverrides) {
  GuardrailConfig config = Config();
  config.blast_radius.max_pods = 2;
  config.blast_radius.max_percent = 40;
  config.blast_radius.min_replicas = 1;
  config.blast_radius.max_nodes = 3;
  Guardrails g(config, clock_);

  actions::BlastRadius global = g.BlastRadiusFor(crashloop_);
  EXPECT_EQ(global.max_pods, 2);
  EXPECT_EQ(global.max_percent, 40);
  EXPECT_EQ(global.min_replicas, 1);
  EXPECT_EQ(global.max_nodes, 3);

  playbook::Playbook bold = MakePlaybook("bold");
  bold.guardrails.max_pods = 5;
  bold.guardrails.max_percent = 80;
  bold.guardrails.min_replicas = 2;
  actions::BlastRadius overridden = g.BlastRadiusFor(bold);
  EXPECT_EQ(overridden.max_pods, 5);
  EXPECT_EQ(overridden.max_percent, 80);
  EXPECT_EQ(overridden.min_replicas, 2);
  EXPECT_EQ(overridden.max_nodes, 3);

  playbook::Playbook partial = MakePlaybook("partial");
  partial.guardrails.max_percent = 10;
  actions::BlastRadius mixed = g.BlastRadiusFor(partial);
  EXPECT_EQ(mixed.max_pods, 2);
  EXPECT_EQ(mixed.max_percent, 10);
}

TEST_F(GuardrailsTest, DryRunIsGlobalOrPerPlaybook) {
  playbook::Playbook rehearsed = MakePlaybook("rehearsed");
  rehearsed.dry_run = true;

  Guardrails live(Config(), clock_);
  EXPECT_FALSE(live.DryRun(crashloop_));
  EXPECT_TRUE(live.DryRun(rehearsed));

  GuardrailConfig config = Config();
  config.dry_run = true;
  Guardrails dry(config, clock_);
  EXPECT_TRUE(dry.DryRun(crashloop_));
  EXPECT_TRUE(dry.DryRun(rehearsed));
}

TEST_F(GuardrailsTest, RestoreCountsDoneActionsNoLongerRegistered) {
  // An action removed since it ran may have changed the cluster: it counts, as it did then.
  GuardrailConfig config = Config();
  config.max_actions_per_hour = 1;
  Guardrails g(config, clock_);
  Restore(g, {Record(HealRecord::Kind::kAction, "drain_node", "done", clock_.Now())});
  EXPECT_EQ(ReasonOf(g.CheckAction(crashloop_)), "max_per_hour");
}

}  // namespace
}  // namespace rebound::controller::healing
