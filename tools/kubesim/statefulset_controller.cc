#include "tools/kubesim/statefulset_controller.h"

#include <charconv>
#include <map>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

constexpr std::string_view kComponent = "statefulset-controller";
constexpr std::string_view kRevisionLabel = "controller-revision-hash";

// The ordinal of a pod named "<sts>-<n>"; -1 for any other name.
int64_t OrdinalOf(const std::string& sts_name, const std::string& pod_name) {
  if (!pod_name.starts_with(sts_name + "-")) return -1;
  std::string_view digits = std::string_view(pod_name).substr(sts_name.size() + 1);
  int64_t ordinal = -1;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
  return ec == std::errc() && ptr == digits.data() + digits.size() ? ordinal : -1;
}

std::string RevisionOf(const json& pod) {
  return StringMapAt(pod, "/metadata/labels")[std::string(kRevisionLabel)];
}

}  // namespace

void StatefulSetController::Reconcile() {
  for (const json& sts : store_.ListObjects(TypeOf(Kind::kStatefulSet)).items) ReconcileOne(sts);
}

void StatefulSetController::ReconcileOne(const json& sts) {
  const ResourceType& pods_type = TypeOf(Kind::kPod);
  const ResourceType& sts_type = TypeOf(Kind::kStatefulSet);
  std::string ns = NamespaceOf(sts);
  std::string name = NameOf(sts);
  const json* pod_template = Find(sts, "/spec/template");
  if (pod_template == nullptr) return;
  std::string revision = name + "-" + ShortHash(*pod_template);
  int64_t replicas = IntAt(sts, "/spec/replicas", 1);
  bool parallel = StringAt(sts, "/spec/podManagementPolicy") == "Parallel";

  std::map<int64_t, json> pods;  // by ordinal
  for (json& pod : OwnedBy(store_, pods_type, ns, UidOf(sts))) {
    int64_t ordinal = OrdinalOf(name, NameOf(pod));
    if (ordinal >= 0) pods.emplace(ordinal, std::move(pod));
  }
  auto remove = [&](int64_t ordinal) {
    if (store_.Delete(pods_type, ns, NameOf(pods[ordinal]), {0, UidOf(pods[ordinal])}).ok()) {
      events_.Record(
          sts_type, sts, "Normal", "SuccessfulDelete",
          "delete Pod " + NameOf(pods[ordinal]) + " in StatefulSet " + name + " successful",
          kComponent);
    }
    pods.erase(ordinal);
  };

  // Surplus ordinals, highest first.
  for (auto it = pods.rbegin(); it != pods.rend() && it->first >= replicas;) {
    int64_t ordinal = it->first;
    remove(ordinal);
    it = pods.rbegin();
    if (!parallel) break;
  }

  // Missing ordinals, lowest first.
  bool lower_ready = true;
  for (int64_t ordinal = 0; ordinal < replicas; ++ordinal) {
    if (auto it = pods.find(ordinal); it != pods.end()) {
      lower_ready = lower_ready && PodReady(it->second);
      continue;
    }
    if (!parallel && !lower_ready) break;
    std::string pod_name = name + "-" + std::to_string(ordinal);
    json labels = StringMapAt(*pod_template, "/metadata/labels");
    labels[std::string(kRevisionLabel)] = revision;
    labels["statefulset.kubernetes.io/pod-name"] = pod_name;
    labels["apps.kubernetes.io/pod-index"] = std::to_string(ordinal);
    const json* spec = Find(*pod_template, "/spec");
    json pod = {{"metadata",
                 {{"name", pod_name},
                  {"namespace", ns},
                  {"labels", labels},
                  {"ownerReferences", {ControllerReference(sts_type, sts)}}}},
                {"spec", spec ? *spec : json::object()},
                {"status", {{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
    pod["spec"]["hostname"] = pod_name;
    if (std::string service = StringAt(sts, "/spec/serviceName"); !service.empty()) {
      pod["spec"]["subdomain"] = service;
    }
    auto created = store_.Create(pods_type, std::move(pod));
    if (!created.ok()) break;
    events_.Record(sts_type, sts, "Normal", "SuccessfulCreate",
                   "create Pod " + pod_name + " in StatefulSet " + name + " successful",
                   kComponent);
    pods.emplace(ordinal, std::move(*created));
    if (!parallel) break;
  }

  // Rolling update from the highest ordinal down to the partition.
  if (StringAt(sts, "/spec/updateStrategy/type", "RollingUpdate") == "RollingUpdate") {
    int64_t partition = IntAt(sts, "/spec/updateStrategy/rollingUpdate/partition", 0);
    bool all_ready = static_cast<int64_t>(pods.size()) == replicas;
    for (const auto& [ordinal, pod] : pods) all_ready = all_ready && PodReady(pod);
    for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
      if (it->first < partition || RevisionOf(it->second) == revision) continue;
      if (all_ready || !PodReady(it->second)) remove(it->first);
      break;
    }
  }

  int64_t ready = 0, updated = 0, current = 0;
  std::string current_revision = StringAt(sts, "/status/currentRevision", revision);
  for (const auto& [ordinal, pod] : pods) {
    ready += PodReady(pod) ? 1 : 0;
    updated += RevisionOf(pod) == revision ? 1 : 0;
  }
  if (updated == static_cast<int64_t>(pods.size()) && updated == replicas) {
    current_revision = revision;
  }
  for (const auto& [ordinal, pod] : pods) current += RevisionOf(pod) == current_revision ? 1 : 0;
  json next = sts;
  json& status = EnsureObject(next, "/status");
  status["observedGeneration"] = IntAt(sts, "/metadata/generation", 1);
  status["replicas"] = static_cast<int64_t>(pods.size());
  status["readyReplicas"] = ready;
  status["availableReplicas"] = ready;
  status["currentReplicas"] = current;
  status["updatedReplicas"] = updated;
  status["currentRevision"] = current_revision;
  status["updateRevision"] = revision;
  status["collisionCount"] = 0;
  (void)store_.Replace(sts_type, std::move(next), ResourceVersionOf(sts));
}

}  // namespace rebound::kubesim
