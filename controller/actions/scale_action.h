// The `scale` action: sets the target's replicas through the scale subresource.
//
// Step keys: `replicas` (required; see scale_spec.h: 5, "+1", "-1", "x1.5", or a template
// rendered into one per episode, such as "{{ annotations.replicas }}", which needs `max`),
// `min` and `max`
// (bounds; `max` is required when `replicas` can increase the count, so that nothing scales
// without bound). The floor is the larger of `min` and the blast radius' min_replicas. A
// result outside the bounds is clamped and the message says so; a count already outside is
// never pushed further out (refused, "min_replicas" / "max_replicas"). Already at the wanted
// count: noop. The write carries the resourceVersion read, and a conflict re-reads and
// decides again. Its plan is the count decided ({"replicas": 4}): a run with a plan sets that
// count, so "+1" resumed after a restart does not add a second replica, and is a noop when the
// count is already there. Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewScaleActionFactory();

}  // namespace rebound::controller::actions
