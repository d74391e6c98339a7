#include "tools/kubesim/resource_types.h"

#include <algorithm>
#include <cassert>

namespace rebound::kubesim {

std::string ResourceType::GroupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string ResourceType::QualifiedResource() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string ResourceType::QualifiedKind() const {
  return group.empty() ? kind : kind + "." + group;
}

const std::vector<ResourceType>& AllResourceTypes() {
  static const std::vector<ResourceType> kTypes = [] {
    std::vector<ResourceType> types;
    auto add = [&](ResourceType type) { types.push_back(std::move(type)); };
    add({.id = Kind::kNamespace,
         .group = "",
         .version = "v1",
         .resource = "namespaces",
         .singular = "namespace",
         .kind = "Namespace",
         .namespaced = false,
         .short_names = {"ns"},
         .has_status = true});
    add({.id = Kind::kNode,
         .group = "",
         .version = "v1",
         .resource = "nodes",
         .singular = "node",
         .kind = "Node",
         .namespaced = false,
         .short_names = {"no"},
         .has_status = true});
    add({.id = Kind::kPod,
         .group = "",
         .version = "v1",
         .resource = "pods",
         .singular = "pod",
         .kind = "Pod",
         .short_names = {"po"},
         .categories = {"all"},
         .has_status = true});
    add({.id = Kind::kEvent,
         .group = "",
         .version = "v1",
         .resource = "events",
         .singular = "event",
         .kind = "Event",
         .short_names = {"ev"}});
    add({.id = Kind::kService,
         .group = "",
         .version = "v1",
         .resource = "services",
         .singular = "service",
         .kind = "Service",
         .short_names = {"svc"},
         .categories = {"all"},
         .has_status = true});
    add({.id = Kind::kDeployment,
         .group = "apps",
         .version = "v1",
         .resource = "deployments",
         .singular = "deployment",
         .kind = "Deployment",
         .short_names = {"deploy"},
         .categories = {"all"},
         .has_status = true,
         .has_scale = true,
         .has_generation = true});
    add({.id = Kind::kReplicaSet,
         .group = "apps",
         .version = "v1",
         .resource = "replicasets",
         .singular = "replicaset",
         .kind = "ReplicaSet",
         .short_names = {"rs"},
         .categories = {"all"},
         .has_status = true,
         .has_scale = true,
         .has_generation = true});
    add({.id = Kind::kStatefulSet,
         .group = "apps",
         .version = "v1",
         .resource = "statefulsets",
         .singular = "statefulset",
         .kind = "StatefulSet",
         .short_names = {"sts"},
         .categories = {"all"},
         .has_status = true,
         .has_scale = true,
         .has_generation = true});
    add({.id = Kind::kLease,
         .group = "coordination.k8s.io",
         .version = "v1",
         .resource = "leases",
         .singular = "lease",
         .kind = "Lease"});
    add({.id = Kind::kPodDisruptionBudget,
         .group = "policy",
         .version = "v1",
         .resource = "poddisruptionbudgets",
         .singular = "poddisruptionbudget",
         .kind = "PodDisruptionBudget",
         .short_names = {"pdb"},
         .has_status = true,
         .has_generation = true});
    return types;
  }();
  return kTypes;
}

const ResourceType& TypeOf(Kind kind) {
  for (const ResourceType& type : AllResourceTypes()) {
    if (type.id == kind) return type;
  }
  assert(false && "every Kind has a row in AllResourceTypes");
  return AllResourceTypes().front();
}

const ResourceType* FindResourceType(std::string_view group, std::string_view resource) {
  for (const ResourceType& type : AllResourceTypes()) {
    if (type.group == group && type.resource == resource) return &type;
  }
  return nullptr;
}

std::vector<std::string> ServedGroups() {
  std::vector<std::string> groups;
  for (const ResourceType& type : AllResourceTypes()) {
    if (std::find(groups.begin(), groups.end(), type.group) == groups.end()) {
      groups.push_back(type.group);
    }
  }
  return groups;
}

const std::vector<std::string>& ResourceVerbs() {
  static const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                                  "list",   "patch",  "update",           "watch"};
  return kVerbs;
}

}  // namespace rebound::kubesim
