// ReplicaSetController: keeps the number of pods of every ReplicaSet at spec.replicas
// (creating pods from the template, deleting the least useful ones first: unscheduled, then
// not ready, then the newest), so deleted pods are replaced; and keeps its status (replicas,
// readyReplicas, availableReplicas, observedGeneration) in step with the pods.
//
// Level-based: each Reconcile() reads the current state and acts idempotently; a write that
// loses a race is redone on the next pass.
// Thread-safety: Reconcile() must not run concurrently with itself (the ticker calls it).
#pragma once

#include "tools/kubesim/event_recorder.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class ReplicaSetController {
 public:
  ReplicaSetController(ObjectStore& store, EventRecorder& events)
      : store_(store), events_(events) {}

  void Reconcile();

 private:
  void ReconcileOne(const nlohmann::json& rs);

  ObjectStore& store_;
  EventRecorder& events_;
};

}  // namespace rebound::kubesim
