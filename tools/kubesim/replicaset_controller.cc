#include "tools/kubesim/replicaset_controller.h"

#include <algorithm>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

constexpr std::string_view kComponent = "replicaset-controller";

// Lower ranks are deleted first when scaling down.
int DeletionRank(const json& pod) {
  if (StringAt(pod, "/spec/nodeName").empty()) return 0;
  return PodReady(pod) ? 2 : 1;
}

}  // namespace

void ReplicaSetController::Reconcile() {
  for (const json& rs : store_.ListObjects(TypeOf(Kind::kReplicaSet)).items) ReconcileOne(rs);
}

void ReplicaSetController::ReconcileOne(const json& rs) {
  const ResourceType& pods_type = TypeOf(Kind::kPod);
  const ResourceType& rs_type = TypeOf(Kind::kReplicaSet);
  std::string ns = NamespaceOf(rs);
  std::vector<json> pods = OwnedBy(store_, pods_type, ns, UidOf(rs));
  int64_t desired = IntAt(rs, "/spec/replicas", 1);
  const json* pod_spec = Find(rs, "/spec/template/spec");
  int64_t have = static_cast<int64_t>(pods.size());
  for (int64_t i = have; i < desired; ++i) {
    json pod = {{"metadata",
                 {{"generateName", NameOf(rs) + "-"},
                  {"namespace", ns},
                  {"labels", StringMapAt(rs, "/spec/template/metadata/labels")},
                  {"ownerReferences", {ControllerReference(rs_type, rs)}}}},
                {"spec", pod_spec ? *pod_spec : json::object()},
                {"status", {{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
    if (auto annotations = StringMapAt(rs, "/spec/template/metadata/annotations");
        !annotations.empty()) {
      pod["metadata"]["annotations"] = annotations;
    }
    auto created = store_.Create(pods_type, std::move(pod));
    if (!created.ok()) continue;
    events_.Record(rs_type, rs, "Normal", "SuccessfulCreate", "Created pod: " + NameOf(*created),
                   kComponent);
    pods.push_back(std::move(*created));
  }
  if (have > desired) {
    std::stable_sort(pods.begin(), pods.end(), [](const json& a, const json& b) {
      int ra = DeletionRank(a), rb = DeletionRank(b);
      if (ra != rb) return ra < rb;
      return StringAt(a, "/metadata/creationTimestamp") >
             StringAt(b, "/metadata/creationTimestamp");
    });
    std::vector<json> kept;
    for (size_t i = 0; i < pods.size(); ++i) {
      if (static_cast<int64_t>(i) < have - desired &&
          store_.Delete(pods_type, ns, NameOf(pods[i]), {0, UidOf(pods[i])}).ok()) {
        events_.Record(rs_type, rs, "Normal", "SuccessfulDelete", "Deleted pod: " + NameOf(pods[i]),
                       kComponent);
        continue;
      }
      kept.push_back(std::move(pods[i]));
    }
    pods = std::move(kept);
  }
  int64_t ready = std::count_if(pods.begin(), pods.end(), PodReady);
  json updated = rs;
  json& status = EnsureObject(updated, "/status");
  status["replicas"] = static_cast<int64_t>(pods.size());
  status["fullyLabeledReplicas"] = static_cast<int64_t>(pods.size());
  status["readyReplicas"] = ready;
  status["availableReplicas"] = ready;
  status["observedGeneration"] = IntAt(rs, "/metadata/generation", 1);
  (void)store_.Replace(rs_type, std::move(updated), ResourceVersionOf(rs));
}

}  // namespace rebound::kubesim
