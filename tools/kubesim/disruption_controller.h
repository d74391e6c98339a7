// DisruptionController: keeps each PodDisruptionBudget's status in step with the pods its
// selector picks (expectedPods, currentHealthy = ready pods, desiredHealthy from minAvailable
// or maxUnavailable, disruptionsAllowed), so that clients can honour budgets as on a real
// cluster.
//
// Level-based. Thread-safety: Reconcile() must not run concurrently with itself.
#pragma once

#include "common/clock.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class DisruptionController {
 public:
  DisruptionController(ObjectStore& store, const common::Clock& clock)
      : store_(store), clock_(clock) {}

  void Reconcile();

 private:
  ObjectStore& store_;
  const common::Clock& clock_;
};

}  // namespace rebound::kubesim
