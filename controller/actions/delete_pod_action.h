// The `delete_pod` action: deletes pods of the target so that its controller replaces them.
//
// Step keys: `pod` (template, optional: one named pod, e.g. "{{ labels.pod }}", which must be
// controlled by the target — Pod → ReplicaSet → Deployment or Pod → StatefulSet — or the
// action fails, reason "not_owned") and `count` (default 1; not with `pod`). Without `pod` it
// picks the least healthy pods that are not already terminating: not Ready first, then most
// container restarts, then by name.
//
// Guards (disruption_guards.h): the blast radius counts pods already terminating as disrupted;
// PodDisruptionBudgets covering a chosen pod must allow the disruption. Each pod is deleted
// with its uid as a precondition, so a replacement that reused the name (StatefulSets) is never
// hit; a pod that is gone (or replaced) by then counts as already done. A named pod that is
// gone or terminating: noop. Its plan is the chosen pods by name and uid; a run with a plan
// deletes those of them still there and not terminating, and is a noop when none is.
// Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewDeletePodActionFactory();

}  // namespace rebound::controller::actions
