#include "controller/healing/outcome.h"

#include <gtest/gtest.h>

#include <string>

#include "controller/healing/verifier.h"

namespace rebound::controller::healing {
namespace {

// These names are heal log rows, metric label values and JSON: they must never change.
TEST(RemediationOutcomeNameTest, NamesEveryOutcomeAndReadsEachNameBack) {
  const std::pair<RemediationOutcome, std::string> names[] = {
      {RemediationOutcome::kHealed, "healed"},   {RemediationOutcome::kUnhealed, "unhealed"},
      {RemediationOutcome::kRefused, "refused"}, {RemediationOutcome::kSkipped, "skipped"},
      {RemediationOutcome::kDryRun, "dry_run"},  {RemediationOutcome::kInterrupted, "interrupted"},
  };
  for (const auto& [outcome, name] : names) {
    EXPECT_EQ(RemediationOutcomeName(outcome), name);
    EXPECT_EQ(RemediationOutcomeFromName(name), outcome) << name;
  }
}

TEST(RemediationOutcomeNameTest, OtherTextIsNoOutcome) {
  EXPECT_EQ(RemediationOutcomeFromName(""), std::nullopt);
  EXPECT_EQ(RemediationOutcomeFromName("Healed"), std::nullopt);
  EXPECT_EQ(RemediationOutcomeFromName("done"), std::nullopt);  // an action's result
}

// Heal log decision rows: `rebound test`, `replay` and the JSON API print these names.
TEST(DecisionResultNameTest, NamesEveryDecisionAndReadsEachNameBack) {
  const std::pair<DecisionResult, std::string> names[] = {
      {DecisionResult::kMatched, "matched"}, {DecisionResult::kNoPlaybook, "no_playbook"},
      {DecisionResult::kRefused, "refused"}, {DecisionResult::kFolded, "folded"},
      {DecisionResult::kSkipped, "skipped"}, {DecisionResult::kWaiting, "waiting"},
  };
  for (const auto& [result, name] : names) {
    EXPECT_EQ(DecisionResultName(result), name);
    EXPECT_EQ(DecisionResultFromName(name), result) << name;
  }
}

TEST(DecisionResultNameTest, OtherTextIsNoDecision) {
  EXPECT_EQ(DecisionResultFromName(""), std::nullopt);
  EXPECT_EQ(DecisionResultFromName("Matched"), std::nullopt);
  EXPECT_EQ(DecisionResultFromName("no playbook"), std::nullopt);
  EXPECT_EQ(DecisionResultFromName("healed"), std::nullopt);  // a remediation's outcome
}

TEST(SkipReasonNameTest, NamesEveryReason) {
  EXPECT_EQ(SkipReasonName(SkipReason::kResolved), "resolved");
  EXPECT_EQ(SkipReasonName(SkipReason::kTargetGone), "target_gone");
  EXPECT_EQ(SkipReasonName(SkipReason::kTargetUnreadable), "target_unreadable");
  EXPECT_EQ(SkipReasonName(SkipReason::kTargetReplaced), "target_replaced");
  EXPECT_EQ(SkipReasonName(SkipReason::kRolloutInProgress), "rollout_in_progress");
}

TEST(VerifyReasonNameTest, NamesEveryReasonAndNothingWhenVerified) {
  EXPECT_EQ(VerifyReasonName(VerifyReason::kNone), "");
  EXPECT_EQ(VerifyReasonName(VerifyReason::kNotResolved), "not_resolved");
  EXPECT_EQ(VerifyReasonName(VerifyReason::kNotReady), "not_ready");
  EXPECT_EQ(VerifyReasonName(VerifyReason::kQuery), "query");
  EXPECT_EQ(VerifyReasonName(VerifyReason::kStopped), "stopped");
  EXPECT_EQ(VerifyReasonName(VerifyReason::kTemplate), "template");
}

}  // namespace
}  // namespace rebound::controller::healing
