// StatefulSetController: gives each StatefulSet pods with stable ordinal names (NAME-0 ..
// NAME-N-1), labelled with controller-revision-hash, statefulset.kubernetes.io/pod-name and
// apps.kubernetes.io/pod-index. OrderedReady creates one missing ordinal at a time once the
// lower ones are ready and removes the highest surplus ordinal first; Parallel does both at
// once. A RollingUpdate (from the partition up) replaces the highest outdated pod when every
// pod is ready, and an outdated pod that is not ready at once; OnDelete replaces nothing.
// Status follows the pods (replicas, ready, current, updated, available, revisions).
// A deleted pod is recreated under the same name.
//
// Not simulated: ControllerRevisions (so `kubectl rollout undo statefulset` is unsupported)
// and volumeClaimTemplates.
//
// Level-based and idempotent. Thread-safety: Reconcile() must not run concurrently with itself.
#pragma once

#include "tools/kubesim/event_recorder.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class StatefulSetController {
 public:
  StatefulSetController(ObjectStore& store, EventRecorder& events)
      : store_(store), events_(events) {}

  void Reconcile();

 private:
  void ReconcileOne(const nlohmann::json& sts);

  ObjectStore& store_;
  EventRecorder& events_;
};

}  // namespace rebound::kubesim
