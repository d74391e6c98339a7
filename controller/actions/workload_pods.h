// What a workload owns, found as the Kubernetes controllers define ownership: a Deployment
// controls ReplicaSets, which control Pods; a StatefulSet controls its Pods directly. Objects
// are listed by the workload's selector, then kept only when the controlling ownerReference's
// uid leads back to the workload, so a pod that merely shares labels is never counted or
// touched. Also the pod health facts the actions decide by. Reentrant; the List functions call
// the API.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/status.h"
#include "kube/kube_client.h"

namespace rebound::controller::actions {

// The ReplicaSets that `deployment` (as read from the API) controls. Failure: the list's
// Status, or InvalidArgument for a malformed spec.selector.
common::Result<std::vector<nlohmann::json>> ListOwnedReplicaSets(kube::KubeClient& kube,
                                                                 const nlohmann::json& deployment);

// The pods that `workload` (a Deployment or StatefulSet as read) controls, terminating ones
// included. Failure: as ListOwnedReplicaSets, or InvalidArgument for another kind.
common::Result<std::vector<nlohmann::json>> ListWorkloadPods(kube::KubeClient& kube,
                                                             const nlohmann::json& workload);

// True when the pod is being deleted (metadata.deletionTimestamp is set).
bool IsTerminating(const nlohmann::json& pod);
// The sum of restartCount over the pod's containers.
int64_t RestartCount(const nlohmann::json& pod);

}  // namespace rebound::controller::actions
