// Deduplication rules for alert notifications.
//
// An episode is (fingerprint, startsAt). Alertmanager retries identical bodies, HA pairs both
// deliver, and a stale "firing" can arrive after "resolved". The journal applies these rules
// inside its write transaction, so they hold across restarts. Pure function, thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "controller/intake/payload.h"

namespace rebound::controller::intake {

enum class IntakeOutcome {
  kNew,        // first "firing" of an episode: work to do
  kResolved,   // the episode is now resolved (first "resolved" seen, with or without a firing)
  kDuplicate,  // same (fingerprint, startsAt, status) seen before: nothing changes
  kStale,      // "firing" for an episode already resolved: "resolved" is final, ignored
};

std::string_view IntakeOutcomeName(IntakeOutcome outcome);

// `recorded` is the status already journaled for the episode, if any.
IntakeOutcome Classify(std::optional<AlertStatus> recorded, AlertStatus incoming);

}  // namespace rebound::controller::intake
