// The `restart` action: a rollout restart of the target Deployment or StatefulSet, done as
// `kubectl rollout restart` does it — a strategic-merge patch that sets the pod template's
// annotation kubectl.kubernetes.io/restartedAt to the current time (RFC 3339, seconds), so the
// workload's controller replaces every pod in a rolling fashion. No parameters. Restarting is
// the point, so every run without a plan acts. Its plan is the restartedAt value to write (one
// second past the current one if that is not older); a run with a plan whose value the pod
// template already has reports a noop: that restart took place. Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewRestartActionFactory();

}  // namespace rebound::controller::actions
