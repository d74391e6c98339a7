#include "controller/healing/outcome.h"

namespace rebound::controller::healing {

std::string_view DecisionResultName(DecisionResult result) {
  switch (result) {
    case DecisionResult::kMatched:
      return "matched";
    case DecisionResult::kNoPlaybook:
      return "no_playbook";
    case DecisionResult::kRefused:
      return "refused";
    case DecisionResult::kFolded:
      return "folded";
    case DecisionResult::kSkipped:
      return "skipped";
    case DecisionResult::kWaiting:
      return "waiting";
  }
  return "unknown";
}

std::optional<DecisionResult> DecisionResultFromName(std::string_view name) {
  for (DecisionResult result :
       {DecisionResult::kMatched, DecisionResult::kNoPlaybook, DecisionResult::kRefused,
        DecisionResult::kFolded, DecisionResult::kSkipped, DecisionResult::kWaiting}) {
    if (DecisionResultName(result) == name) return result;
  }
  return std::nullopt;
}

std::string_view RemediationOutcomeName(RemediationOutcome outcome) {
  switch (outcome) {
    case RemediationOutcome::kHealed:
      return "healed";
    case RemediationOutcome::kUnhealed:
      return "unhealed";
    case RemediationOutcome::kRefused:
      return "refused";
    case RemediationOutcome::kSkipped:
      return "skipped";
    case RemediationOutcome::kDryRun:
      return "dry_run";
    case RemediationOutcome::kInterrupted:
      return "interrupted";
  }
  return "unknown";
}

std::optional<RemediationOutcome> RemediationOutcomeFromName(std::string_view name) {
  for (RemediationOutcome outcome :
       {RemediationOutcome::kHealed, RemediationOutcome::kUnhealed, RemediationOutcome::kRefused,
        RemediationOutcome::kSkipped, RemediationOutcome::kDryRun,
        RemediationOutcome::kInterrupted}) {
    if (RemediationOutcomeName(outcome) == name) return outcome;
  }
  return std::nullopt;
}

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kResolved:
      return "resolved";
    case SkipReason::kTargetGone:
      return "target_gone";
    case SkipReason::kTargetUnreadable:
      return "target_unreadable";
    case SkipReason::kTargetReplaced:
      return "target_replaced";
    case SkipReason::kRolloutInProgress:
      return "rollout_in_progress";
  }
  return "unknown";
}

}  // namespace rebound::controller::healing
