// DeploymentController: turns each Deployment into ReplicaSets, as the real deployment
// controller does. The pod template (without the pod-template-hash label) picks the "new"
// ReplicaSet, NAME-HASH, created when no owned ReplicaSet has it, with the next
// deployment.kubernetes.io/revision (a ReplicaSet brought back by a rollback gets the next
// revision again). RollingUpdate honours maxSurge/maxUnavailable (removing unhealthy old pods
// first); Recreate removes every old pod before creating new ones; paused Deployments are
// left alone. Status (replicas, updated, ready, available, unavailable, observedGeneration,
// Available/Progressing conditions) and the revision annotation follow the ReplicaSets; old
// ReplicaSets beyond revisionHistoryLimit are deleted.
//
// Level-based and idempotent; a write that loses a race is redone on the next pass.
// Thread-safety: Reconcile() must not run concurrently with itself.
#pragma once

#include <optional>
#include <vector>

#include "common/clock.h"
#include "tools/kubesim/event_recorder.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class DeploymentController {
 public:
  DeploymentController(ObjectStore& store, EventRecorder& events, const common::Clock& clock)
      : store_(store), events_(events), clock_(clock) {}

  void Reconcile();

 private:
  void ReconcileOne(const nlohmann::json& deployment);
  // The index in `owned` of the ReplicaSet of the current template, created (and appended)
  // when there is none; nullopt when it cannot be made.
  std::optional<size_t> NewReplicaSet(const nlohmann::json& deployment,
                                      std::vector<nlohmann::json>& owned);
  void Scale(const nlohmann::json& deployment, nlohmann::json& rs, int64_t replicas);
  void RollingUpdate(const nlohmann::json& deployment, nlohmann::json& new_rs,
                     std::vector<nlohmann::json*>& old);
  void Recreate(const nlohmann::json& deployment, nlohmann::json& new_rs,
                std::vector<nlohmann::json*>& old);
  void UpdateStatus(const nlohmann::json& deployment, const nlohmann::json& new_rs,
                    const std::vector<nlohmann::json>& owned);
  void PruneHistory(const nlohmann::json& deployment, const nlohmann::json& new_rs,
                    const std::vector<nlohmann::json>& owned);

  ObjectStore& store_;
  EventRecorder& events_;
  const common::Clock& clock_;
};

}  // namespace rebound::kubesim
