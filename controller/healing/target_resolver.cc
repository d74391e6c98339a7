#include "controller/healing/target_resolver.h"

#include "kube/object.h"
#include "kube/resource.h"

namespace rebound::controller::healing {

common::Result<ResolvedTarget> ReadResolvedTarget(const actions::Target& target,
                                                  kube::KubeClient& kube) {
  ResolvedTarget out;
  out.target = target;
  common::Result<nlohmann::json> object =
      kube.Get(out.target.resource(), out.target.ns, out.target.name);
  if (!object.ok()) return object.status().WithContext("read " + out.target.ToString());
  out.object = std::move(*object);
  out.uid = kube::ObjectUid(out.object);
  return out;
}

namespace {

// The Deployment or StatefulSet that controls `pod`.
common::Result<ResolvedTarget> OwnerOf(kube::KubeClient& kube, const std::string& ns,
                                       const std::string& pod_name) {
  common::Result<nlohmann::json> pod = kube.Get(kube::kPods, ns, pod_name);
  if (!pod.ok()) return pod.status().WithContext("read pod " + ns + "/" + pod_name);
  std::optional<kube::OwnerReference> owner = kube::ControllerOf(*pod);
  if (owner && owner->kind == "ReplicaSet") {
    common::Result<nlohmann::json> rs = kube.Get(kube::kReplicaSets, ns, owner->name);
    if (!rs.ok()) return rs.status().WithContext("read replicaset " + ns + "/" + owner->name);
    owner = kube::ControllerOf(*rs);
  }
  if (!owner || (owner->kind != "Deployment" && owner->kind != "StatefulSet")) {
    return common::FailedPrecondition("pod " + ns + "/" + pod_name +
                                      " is not controlled by a Deployment or StatefulSet");
  }
  return ReadResolvedTarget({owner->kind, ns, owner->name}, kube);
}

}  // namespace

common::Result<ResolvedTarget> ResolveTarget(const playbook::TargetSpec& spec,
                                             const templates::TemplateContext& vars,
                                             kube::KubeClient& kube) {
  common::Result<std::string> ns = spec.ns.Render(vars);
  if (!ns.ok()) return ns.status().WithContext("target namespace");
  common::Result<std::string> name = spec.name.Render(vars);
  if (!name.ok()) return name.status().WithContext("target name");
  if (spec.kind == "Pod") return OwnerOf(kube, *ns, *name);
  return ReadResolvedTarget({spec.kind, *ns, *name}, kube);
}

}  // namespace rebound::controller::healing
