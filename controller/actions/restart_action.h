// The `restart` action: a rollout restart of the target Deployment or StatefulSet, done as
// `kubectl rollout restart` does it — a strategic-merge patch that sets the pod template's
// annotation kubectl.kubernetes.io/restartedAt to the current time (RFC 3339, seconds), so the
// workload's controller replaces every pod in a rolling fashion. No parameters. Restarting is
// the point, so every run acts (it is never a noop). Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewRestartActionFactory();

}  // namespace rebound::controller::actions
