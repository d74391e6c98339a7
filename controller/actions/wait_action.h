// The `wait` action: pauses the remediation, e.g. to let a restart settle before the next
// step. Step key: `duration` (required, e.g. 2m). Waits through the Sleeper and ends early,
// failed with reason "stopped", when the daemon shuts down. In dry-run it does not wait.
// Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewWaitActionFactory();

}  // namespace rebound::controller::actions
