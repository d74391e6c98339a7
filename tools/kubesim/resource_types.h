// The Kubernetes resource types kubesim serves: one table that discovery, OpenAPI, URL
// routing, error messages, authorization and Tables all read, so they cannot disagree.
//
// Thread-safety: the table is immutable after static initialisation; the references handed
// out stay valid for the life of the process.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rebound::kubesim {

enum class Kind {
  kNamespace,
  kNode,
  kPod,
  kEvent,
  kService,
  kDeployment,
  kReplicaSet,
  kStatefulSet,
  kLease,
  kPodDisruptionBudget,
};

struct ResourceType {
  Kind id = Kind::kNamespace;
  std::string group = {};     // "" for the core group
  std::string version = {};   // "v1"
  std::string resource = {};  // plural, as in URLs: "deployments"
  std::string singular = {};  // "deployment"
  std::string kind = {};      // "Deployment"
  bool namespaced = true;
  std::vector<std::string> short_names = {};
  std::vector<std::string> categories = {};
  bool has_status = false;      // a /status subresource; writes to the object keep its status
  bool has_scale = false;       // a /scale subresource over spec.replicas
  bool has_generation = false;  // metadata.generation rises when spec changes

  // "apps/v1", or "v1" for the core group: the apiVersion of its objects.
  std::string GroupVersion() const;
  // "deployments.apps", or "pods" for the core group: how error messages name it.
  std::string QualifiedResource() const;
  // "Deployment.apps", or "Pod": how validation errors name the kind.
  std::string QualifiedKind() const;
};

// Every served type, in discovery order.
const std::vector<ResourceType>& AllResourceTypes();
const ResourceType& TypeOf(Kind kind);
// The type served as `resource` (plural) in `group`; nullptr when not served.
const ResourceType* FindResourceType(std::string_view group, std::string_view resource);
// The API groups served, in discovery order ("" first).
std::vector<std::string> ServedGroups();

// The verbs every type accepts; discovery advertises them.
const std::vector<std::string>& ResourceVerbs();

}  // namespace rebound::kubesim
