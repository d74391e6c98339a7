// The `cordon` action: marks a node unschedulable (spec.unschedulable = true), as
// `kubectl cordon` does, so that no new pods land on it. Existing pods stay (no drain).
//
// Step key: `node` (template, required, e.g. "{{ labels.node }}"). A node already cordoned:
// noop. Refused, reason "blast_radius", when cordoning would leave no schedulable Ready node,
// or would make more than the blast radius' max_nodes nodes cordoned by Rebound — those are
// the unschedulable nodes carrying the annotation rebound.io/cordoned-by=rebound, which the
// action sets with the same merge patch. A node that does not exist: failed, "not_found".
// Uncordoning is left to people. Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

inline constexpr const char* kCordonedByAnnotation = "rebound.io/cordoned-by";

std::unique_ptr<ActionFactory> NewCordonActionFactory();

}  // namespace rebound::controller::actions
