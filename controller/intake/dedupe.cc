#include "controller/intake/dedupe.h"

namespace rebound::controller::intake {

std::string_view IntakeOutcomeName(IntakeOutcome outcome) {
  switch (outcome) {
    case IntakeOutcome::kNew:
      return "new";
    case IntakeOutcome::kResolved:
      return "resolved";
    case IntakeOutcome::kDuplicate:
      return "duplicate";
    case IntakeOutcome::kStale:
      return "stale";
  }
  return "unknown";
}

IntakeOutcome Classify(std::optional<AlertStatus> recorded, AlertStatus incoming) {
  if (!recorded) {
    // A "resolved" whose "firing" never reached us still ends the episode: record it closed so
    // that a late "firing" is recognised as stale rather than started as new work.
    return incoming == AlertStatus::kFiring ? IntakeOutcome::kNew : IntakeOutcome::kResolved;
  }
  if (*recorded == incoming) return IntakeOutcome::kDuplicate;
  // Statuses differ: firing -> resolved ends the episode; resolved -> firing arrived late.
  return incoming == AlertStatus::kResolved ? IntakeOutcome::kResolved : IntakeOutcome::kStale;
}

}  // namespace rebound::controller::intake
