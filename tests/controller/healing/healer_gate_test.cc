// The healer with a playbook gated on the anomaly score (spec.when.anomaly).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/healing/healer.h"
#include "tests/controller/healing/healing_test_support.h"
#include "tests/support/signal_values.h"

namespace rebound::controller::healing {
namespace {

using intake::EpisodeState;
using ::rebound::testing::MemoryValues;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kGatedRestart[] = R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: leak
spec:
  match: ['alertname = "MemoryGrowth"']
  target: {kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}"}
  when:
    anomaly:
      signals:
        memory: 'mem{deployment="{{ target.name }}"}'
      lookback: 2h
      above: 0.9
  steps:
    - action: restart
      verify: { within: 1m }
)";

const char kWebMemory[] = "mem{deployment=\"web\"}";

intake::LabelSet GrowthLabels(const std::string& deployment = "web") {
  return {{"alertname", "MemoryGrowth"}, {"namespace", "shop"}, {"deployment", deployment}};
}

class HealerGateTest : public HealingTest {
 protected:
  // Fires the alert and heals it; the alert resolves at the first verification poll.
  intake::Episode FireAndHeal(Healer& healer, intake::LabelSet labels) {
    intake::Episode episode = Fire("f" + std::to_string(++fired_), std::move(labels));
    sleeper_.SetHook([this, episode](int) { Resolve(episode); });
    healer.Submit(episode);
    return episode;
  }
  int fired_ = 0;
};

TEST_F(HealerGateTest, ALeakPassesTheGateAndTheScoreIsRecordedWithTheDecision) {
  ReadyDeployment("shop", "web", 2);
  prometheus_.SetRangeHandler(testing::ValuesUntilEnd({{kWebMemory, MemoryValues(200, 20)}}));
  auto healer = MakeHealer(kGatedRestart);
  intake::Episode episode = FireAndHeal(*healer, GrowthLabels());

  EXPECT_THAT(Path(), ElementsAre("decision:matched:anomaly", "action:restart:done",
                                  "verify:restart:passed", "outcome:healed"));
  EXPECT_THAT(Records()[0].message, HasSubstr("(top signal memory) is above 0.9"));
  EXPECT_THAT(prometheus_.queries(), Contains(kWebMemory));  // the rendered template
  // Every Slack message of the remediation shows the gate.
  ASSERT_FALSE(notifier_.sent().empty());
  for (const notify::Notification& n : notifier_.sent()) {
    EXPECT_THAT(n.fields, Contains(Pair("Anomaly gate", HasSubstr("is above 0.9"))));
  }
  EXPECT_EQ(Metric("rebound_guardrail_blocks_total", {{"reason", "anomaly"}}), 0);
  EXPECT_EQ(StateOf(episode), EpisodeState::kClosed);
}

TEST_F(HealerGateTest, OrdinaryBehaviourIsRefusedLikeAGuardrailWithTheScore) {
  ReadyDeployment("shop", "web", 2);
  auto before = store_.Snapshot();
  prometheus_.SetRangeHandler(testing::ValuesUntilEnd({{kWebMemory, MemoryValues(220, 0)}}));
  auto healer = MakeHealer(kGatedRestart);
  intake::Episode episode = FireAndHeal(*healer, GrowthLabels());

  EXPECT_THAT(Path(), ElementsAre("decision:refused:anomaly"));
  EXPECT_THAT(Records()[0].message, HasSubstr("is not above 0.9"));
  EXPECT_EQ(Records()[0].target, "Deployment shop/web");
  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_EQ(Metric("rebound_guardrail_blocks_total", {{"reason", "anomaly"}}), 1);
  ASSERT_EQ(notifier_.sent().size(), 1u);
  EXPECT_EQ(notifier_.sent()[0].kind, notify::Notification::Kind::kRefusal);
  EXPECT_THAT(notifier_.sent()[0].text, HasSubstr("anomaly score"));
  EXPECT_EQ(StateOf(episode), EpisodeState::kHandled);
  EXPECT_TRUE(healer->Active().empty());

  // The refusal holds nothing back: once the memory leaks, the next alert is healed.
  prometheus_.SetRangeHandler(testing::ValuesUntilEnd({{kWebMemory, MemoryValues(200, 20)}}));
  FireAndHeal(*healer, GrowthLabels());
  EXPECT_EQ(Path().back(), "outcome:healed");
}

TEST_F(HealerGateTest, MissingDataIsDecidedByTheHealersDefaultUnlessThePlaybookSays) {
  ReadyDeployment("shop", "web", 2);
  prometheus_.SetRangeHandler(testing::ValuesUntilEnd({{kWebMemory, {}}}));
  auto skipping = MakeHealer(kGatedRestart);  // default: skip
  FireAndHeal(*skipping, GrowthLabels());
  EXPECT_THAT(Path(), ElementsAre("decision:refused:anomaly"));
  EXPECT_THAT(Records()[0].message, HasSubstr("no anomaly score"));
  EXPECT_THAT(Records()[0].message, HasSubstr("onMissingData is skip"));

  healer_options_.anomaly_on_missing_data = anomaly::OnMissingData::kAct;
  auto acting = MakeHealer(kGatedRestart);
  FireAndHeal(*acting, GrowthLabels());
  EXPECT_EQ(Path().back(), "outcome:healed");

  // The playbook's own onMissingData wins over the healer's.
  std::string skip_playbook = kGatedRestart;
  skip_playbook.replace(skip_playbook.find("above: 0.9"), 10,
                        "above: 0.9\n      onMissingData: skip");
  auto playbook_skips = MakeHealer(skip_playbook);
  clock_.Advance(std::chrono::hours(1));  // past the cooldown of the restart above
  FireAndHeal(*playbook_skips, GrowthLabels());
  EXPECT_EQ(Path().back(), "decision:refused:anomaly");
}

TEST_F(HealerGateTest, StepComesFromThePlaybookOrTheHealer) {
  ReadyDeployment("shop", "web", 2);
  std::vector<std::chrono::milliseconds> steps;
  prometheus_.SetRangeHandler([&](std::string_view query, promql::TimePoint start,
                                  promql::TimePoint end, std::chrono::milliseconds step) {
    steps.push_back(step);
    EXPECT_EQ(end - start, std::chrono::hours(2));
    EXPECT_EQ(end, clock_.Now());
    return testing::ValuesUntilEnd({{kWebMemory, {}}})(query, start, end, step);
  });
  healer_options_.anomaly_step = std::chrono::seconds(10);
  FireAndHeal(*MakeHealer(kGatedRestart), GrowthLabels());
  std::string one_minute = kGatedRestart;
  one_minute.replace(one_minute.find("lookback: 2h"), 12, "lookback: 2h\n      step: 1m");
  FireAndHeal(*MakeHealer(one_minute), GrowthLabels());
  EXPECT_THAT(steps, ElementsAre(std::chrono::seconds(10), std::chrono::minutes(1)));
}

TEST_F(HealerGateTest, DryRunEvaluatesTheGateToo) {
  ReadyDeployment("shop", "web", 2);
  prometheus_.SetRangeHandler(testing::ValuesUntilEnd({{kWebMemory, MemoryValues(220, 0)}}));
  GuardrailConfig config;
  config.dry_run = true;
  FireAndHeal(*MakeHealer(kGatedRestart, config), GrowthLabels());
  EXPECT_THAT(Path(), ElementsAre("decision:refused:anomaly"));
}

TEST_F(HealerGateTest, ASignalTemplateTheAlertCannotFillIsATemplateRefusal) {
  ReadyDeployment("shop", "web", 2);
  std::string by_label = kGatedRestart;
  by_label.replace(by_label.find("{{ target.name }}"), 17, "{{ labels.pod }}");
  FireAndHeal(*MakeHealer(by_label), GrowthLabels());
  EXPECT_THAT(Path(), ElementsAre("decision:refused:template"));
  EXPECT_THAT(Records()[0].message, HasSubstr("spec.when.anomaly.signals.memory"));
  EXPECT_THAT(prometheus_.queries(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace rebound::controller::healing
