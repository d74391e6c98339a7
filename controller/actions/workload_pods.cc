#include "controller/actions/workload_pods.h"

#include <set>
#include <string>

#include "controller/actions/action_support.h"
#include "controller/actions/label_selector.h"
#include "kube/object.h"

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

// The objects of `resource` in the workload's namespace, matching its selector, whose
// controller's uid is in `owner_uids`.
common::Result<std::vector<json>> ListControlledBy(kube::KubeClient& kube,
                                                   const kube::Resource& resource,
                                                   const json& workload,
                                                   const std::set<std::string>& owner_uids) {
  common::Result<std::string> selector = SelectorQuery(JsonAt(workload, {"spec", "selector"}));
  if (!selector.ok()) {
    return selector.status().WithContext(kube::ObjectNamespace(workload) + "/" +
                                         kube::ObjectName(workload));
  }
  kube::ListOptions options;
  options.label_selector = *selector;
  common::Result<kube::ObjectList> list =
      kube.List(resource, kube::ObjectNamespace(workload), options);
  if (!list.ok()) return list.status();
  std::vector<json> owned;
  for (json& item : list->items) {
    std::optional<kube::OwnerReference> owner = kube::ControllerOf(item);
    if (owner && owner_uids.contains(owner->uid)) owned.push_back(std::move(item));
  }
  return owned;
}

}  // namespace

common::Result<std::vector<json>> ListOwnedReplicaSets(kube::KubeClient& kube,
                                                       const json& deployment) {
  return ListControlledBy(kube, kube::kReplicaSets, deployment, {kube::ObjectUid(deployment)});
}

common::Result<std::vector<json>> ListWorkloadPods(kube::KubeClient& kube, const json& workload) {
  const std::string kind = kube::StringField(workload, {"kind"});
  if (kind == kube::kStatefulSets.kind) {
    return ListControlledBy(kube, kube::kPods, workload, {kube::ObjectUid(workload)});
  }
  if (kind != kube::kDeployments.kind) {
    return common::InvalidArgument("cannot list the pods of a " + kind);
  }
  common::Result<std::vector<json>> replica_sets = ListOwnedReplicaSets(kube, workload);
  if (!replica_sets.ok()) return replica_sets.status();
  std::set<std::string> uids;
  for (const json& rs : *replica_sets) uids.insert(kube::ObjectUid(rs));
  return ListControlledBy(kube, kube::kPods, workload, uids);
}

bool IsTerminating(const json& pod) {
  return !kube::StringField(pod, {"metadata", "deletionTimestamp"}).empty();
}

int64_t RestartCount(const json& pod) {
  const json& statuses = JsonAt(pod, {"status", "containerStatuses"});
  if (!statuses.is_array()) return 0;
  int64_t total = 0;
  for (const json& s : statuses) {
    const json& count = JsonAt(s, {"restartCount"});
    if (count.is_number_integer()) total += count.get<int64_t>();
  }
  return total;
}

}  // namespace rebound::controller::actions
