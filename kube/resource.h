// Resource: which Kubernetes API collection a request addresses — API group, version, plural
// name, scope — and the collections Rebound uses.
//
// A Resource is a plain constant value; the functions are pure and thread-safe. Callers normally
// pass one of the constants below; a new kind needs only a new constant.
#pragma once

#include <string>
#include <string_view>

namespace rebound::kube {

struct Resource {
  std::string_view group;    // "" for the core ("legacy") group
  std::string_view version;  // "v1"
  std::string_view plural;   // "deployments": the URL segment and the RBAC resource name
  std::string_view kind;     // "Deployment"
  bool namespaced = true;
  bool has_scale = false;  // serves the "scale" subresource

  // "deployments.apps", or "pods" in the core group: the name kubectl and RBAC messages use.
  std::string QualifiedName() const;
  // "apps/v1", or "v1" in the core group: the objects' apiVersion.
  std::string ApiVersion() const;
  // "/apis/apps/v1", or "/api/v1" in the core group.
  std::string GroupVersionPath() const;

  friend bool operator==(const Resource&, const Resource&) = default;
};

inline constexpr Resource kDeployments{"apps", "v1", "deployments", "Deployment", true, true};
inline constexpr Resource kStatefulSets{"apps", "v1", "statefulsets", "StatefulSet", true, true};
inline constexpr Resource kReplicaSets{"apps", "v1", "replicasets", "ReplicaSet", true, true};
inline constexpr Resource kPods{"", "v1", "pods", "Pod", true, false};
inline constexpr Resource kNodes{"", "v1", "nodes", "Node", false, false};
inline constexpr Resource kEvents{"", "v1", "events", "Event", true, false};
inline constexpr Resource kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true, false};
inline constexpr Resource kPodDisruptionBudgets{
    "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, false};

}  // namespace rebound::kube
