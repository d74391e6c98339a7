// The `rollback` action: rolls a Deployment back to its previous revision, as
// `kubectl rollout undo` does — the ReplicaSets the Deployment controls are ordered by their
// deployment.kubernetes.io/revision annotation; the current one is the ReplicaSet whose pod
// template matches the Deployment's (else the highest revision), the previous one the highest
// revision below it. The Deployment's spec.template becomes the previous ReplicaSet's template
// without its pod-template-hash label.
//
// The change is a JSON merge patch computed against the template read (keys absent from the
// target template become null, so they are removed) and carrying the resourceVersion read, so
// a concurrent change is a Conflict: re-read, decide again, a bounded number of times.
//
// Idempotency: a rollback makes the old template current again (and a real cluster gives its
// ReplicaSet a new, highest revision), so running again would roll forward to the version just
// left. The action therefore records the pod-template-hash it rolled back to in the
// Deployment's annotation rebound.io/rolled-back-to, and while the Deployment still runs that
// template a new run is a noop. A new rollout changes the template and re-arms it.
//
// No parameters. Failures: "unsupported" (not a Deployment), "paused" (kubectl refuses too: a
// paused Deployment does not roll out), "no_previous_revision". Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

inline constexpr const char* kRolledBackToAnnotation = "rebound.io/rolled-back-to";

std::unique_ptr<ActionFactory> NewRollbackActionFactory();

}  // namespace rebound::controller::actions
