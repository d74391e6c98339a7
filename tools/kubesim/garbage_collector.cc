#include "tools/kubesim/garbage_collector.h"

#include <algorithm>
#include <set>

#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

// Types in the order dependents are collected, so one pass cascades down an ownership chain.
const std::vector<Kind>& CollectionOrder() {
  static const std::vector<Kind> kOrder = {
      Kind::kDeployment, Kind::kStatefulSet, Kind::kReplicaSet, Kind::kPod,
      Kind::kEvent,      Kind::kService,     Kind::kLease,      Kind::kPodDisruptionBudget};
  return kOrder;
}

std::vector<std::string> OwnerUids(const json& object) {
  std::vector<std::string> uids;
  if (const json* refs = Find(object, "/metadata/ownerReferences"); refs && refs->is_array()) {
    for (const json& ref : *refs) uids.push_back(StringAt(ref, "/uid"));
  }
  return uids;
}

}  // namespace

int CollectGarbage(ObjectStore& store) {
  std::set<std::string> live;
  std::set<std::string> namespaces;
  for (const ResourceType& type : AllResourceTypes()) {
    for (const json& object : store.ListObjects(type).items) {
      live.insert(UidOf(object));
      if (type.id == Kind::kNamespace) namespaces.insert(NameOf(object));
    }
  }
  int deleted = 0;
  for (Kind kind : CollectionOrder()) {
    const ResourceType& type = TypeOf(kind);
    for (const json& object : store.ListObjects(type).items) {
      std::vector<std::string> owners = OwnerUids(object);
      bool orphaned = !owners.empty();
      for (const std::string& uid : owners) orphaned = orphaned && !live.contains(uid);
      if (!orphaned && namespaces.contains(NamespaceOf(object))) continue;
      Preconditions pre;
      pre.uid = UidOf(object);
      if (store.Delete(type, NamespaceOf(object), NameOf(object), pre).ok()) {
        live.erase(pre.uid);
        ++deleted;
      }
    }
  }
  return deleted;
}

void OrphanDependents(ObjectStore& store, const std::string& ns, const std::string& owner_uid) {
  for (Kind kind : CollectionOrder()) {
    const ResourceType& type = TypeOf(kind);
    for (json object : store.ListObjects(type, ns).items) {
      json* refs = &object["metadata"]["ownerReferences"];
      if (!refs->is_array()) continue;
      size_t before = refs->size();
      refs->erase(
          std::remove_if(refs->begin(), refs->end(),
                         [&](const json& ref) { return StringAt(ref, "/uid") == owner_uid; }),
          refs->end());
      if (refs->size() == before) continue;
      if (refs->empty()) object["metadata"].erase("ownerReferences");
      uint64_t rv = ResourceVersionOf(object);
      (void)store.Replace(type, std::move(object), rv);
    }
  }
}

}  // namespace rebound::kubesim
