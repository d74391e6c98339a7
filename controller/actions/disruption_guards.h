// The guardrails on deleting pods: the blast radius (how many of a workload's pods may be down
// at once) and PodDisruptionBudgets. Each returns the refusal to report, or nothing when the
// deletion may go ahead. Reentrant; CheckDisruptionBudgets calls the API.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "controller/actions/action.h"
#include "kube/kube_client.h"

namespace rebound::controller::actions {

// Deleting `to_delete` pods of `target`, which owns `total` pods of which `terminating` are
// already being deleted, may disrupt at most min(max_pods, max_percent of total, at least 1)
// pods at once, terminating ones included. Refused, reason "blast_radius", with the numbers.
std::optional<ActionResult> CheckBlastRadius(const Target& target, const BlastRadius& limits,
                                             int64_t total, int64_t terminating, int64_t to_delete);

// Every PodDisruptionBudget in `ns` whose selector matches some of `victims` must allow at
// least that many disruptions (status.disruptionsAllowed). Refused, reason
// "pod_disruption_budget", naming the budget. Failure: the list's Status (the caller must not
// delete what it cannot check).
common::Result<std::optional<ActionResult>> CheckDisruptionBudgets(
    kube::KubeClient& kube, std::string_view ns, const std::vector<nlohmann::json>& victims);

}  // namespace rebound::controller::actions
