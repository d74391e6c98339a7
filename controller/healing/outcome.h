// What the healer decided about an alert or a step, how a remediation ends and why a step of
// it does not run, as types. Each enum has the one
// table of names that the heal log, the logs, the metrics and the JSON API use; the names are
// persisted and exported, so they never change.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace rebound::controller::healing {

// What the healer decided: about an alert (step -1 in the heal log) or about a step.
enum class DecisionResult {
  kMatched,     // a playbook starts (or resumes) a remediation for the alert
  kNoPlaybook,  // no playbook matches the alert
  kRefused,     // a guardrail or the anomaly gate held the remediation back
  kFolded,      // a remediation of the target is already running; the alert joins it
  kSkipped,     // a step does not run: see SkipReason
  kWaiting,     // a step waits for someone else's rollout of the target to end
};

// "matched" | "no_playbook" | "refused" | "folded" | "skipped" | "waiting"
std::string_view DecisionResultName(DecisionResult result);
// The decision a heal log row names; nullopt for any other text.
std::optional<DecisionResult> DecisionResultFromName(std::string_view name);

enum class RemediationOutcome {
  kHealed,       // a step was verified, or the alert resolved after a step ran
  kUnhealed,     // every step ran and none was verified, or the target could not be read
  kRefused,      // a guardrail held the remediation, or its next action, back
  kSkipped,      // nothing to do: the alert resolved, or the target is gone, before any step
  kDryRun,       // every step was decided and recorded; nothing changed
  kInterrupted,  // stop requested: the episodes stay pending and are resumed at the next start
};

// "healed" | "unhealed" | "refused" | "skipped" | "dry_run" | "interrupted"
std::string_view RemediationOutcomeName(RemediationOutcome outcome);
// The outcome a heal log row names; nullopt for any other text.
std::optional<RemediationOutcome> RemediationOutcomeFromName(std::string_view name);

// Why a step must not run, from the level-based checks before it.
enum class SkipReason {
  kResolved,           // every episode of the remediation resolved
  kTargetGone,         // the target no longer exists
  kTargetUnreadable,   // the target cannot be read (API error)
  kTargetReplaced,     // the target was deleted and created again (new uid)
  kRolloutInProgress,  // someone else's rollout of the target is under way
};

// "resolved" | "target_gone" | "target_unreadable" | "target_replaced" | "rollout_in_progress"
std::string_view SkipReasonName(SkipReason reason);

}  // namespace rebound::controller::healing
