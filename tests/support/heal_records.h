// What a running rebound daemon decided and did, as GET /api/v1/actions shows it, in forms
// integration tests compare: the records oldest first, and a compact path of them.
//
// Thread-safety: free functions; the daemon object is used from the test's thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/rebound_daemon.h"

namespace rebound::testing {

// The heal log, oldest first (up to 1000 records); empty when it cannot be read.
nlohmann::json HealRecords(ReboundDaemon& daemon);

// "kind:action:result[:reason]" of each record (no reason for verifications; records waiting
// for a rollout left out), only those about `target` ("Deployment shop/web") when not empty.
std::vector<std::string> HealPath(ReboundDaemon& daemon, const std::string& target = "");

// Waits until the last entry of HealPath(daemon, target) is `last`.
bool WaitForHealPathEnd(ReboundDaemon& daemon, const std::string& last,
                        std::chrono::milliseconds timeout, const std::string& target = "");

// The pod template's kubectl.kubernetes.io/restartedAt of `deployment` (as read), "" when none.
std::string RestartedAtOf(const nlohmann::json& deployment);
// The restartedAt that the rebound.io/last-heal mark on `deployment` planned, "" without a mark.
std::string PlannedRestartedAtOf(const nlohmann::json& deployment);

}  // namespace rebound::testing
