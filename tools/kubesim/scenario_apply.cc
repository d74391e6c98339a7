#include "tools/kubesim/scenario_apply.h"

#include <set>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

common::Status Create(Cluster& cluster, const ResourceType& type, json object) {
  std::string what = type.kind + " \"" + NameOf(object) + "\"";
  if (auto error = PrepareCreate(type, object, FieldValidation::kStrict)) {
    return common::Internal("scenario: " + what + ": " + error->message);
  }
  auto created = cluster.store().Create(type, std::move(object));
  if (!created.ok() && created.status().code() != common::StatusCode::kAlreadyExists) {
    return common::Internal("scenario: " + what + ": " + created.status().message());
  }
  return common::Status::Ok();
}

json NodeObject(const NodeSpec& spec, size_t index, const std::string& now) {
  json labels = {{"kubernetes.io/hostname", spec.name},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", "amd64"}};
  for (const auto& [key, value] : spec.labels) labels[key] = value;
  json resources = {{"cpu", spec.cpu}, {"memory", spec.memory}, {"pods", "110"}};
  auto condition = [&](const char* type, bool on, const char* reason, const char* message) {
    return json{
        {"type", type},       {"status", on ? "True" : "False"}, {"reason", reason},
        {"message", message}, {"lastHeartbeatTime", now},        {"lastTransitionTime", now}};
  };
  json spec_json = json::object();
  if (spec.unschedulable) spec_json["unschedulable"] = true;
  return {
      {"metadata", {{"name", spec.name}, {"labels", labels}}},
      {"spec", spec_json},
      {"status",
       {{"capacity", resources},
        {"allocatable", resources},
        {"conditions",
         {condition("MemoryPressure", false, "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available"),
          condition("DiskPressure", false, "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure"),
          condition("PIDPressure", false, "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available"),
          spec.ready ? condition("Ready", true, "KubeletReady", "kubelet is posting ready status")
                     : condition("Ready", false, "KubeletNotReady", "container runtime is down")}},
        {"addresses",
         {{{"type", "InternalIP"}, {"address", "192.168.0." + std::to_string(10 + index)}},
          {{"type", "Hostname"}, {"address", spec.name}}}},
        {"nodeInfo",
         {{"kubeletVersion", "v1.32.4"},
          {"kubeProxyVersion", "v1.32.4"},
          {"osImage", "kubesim (simulated node)"},
          {"kernelVersion", "6.1.0-kubesim"},
          {"containerRuntimeVersion", "containerd://1.7.24"},
          {"operatingSystem", "linux"},
          {"architecture", "amd64"},
          {"machineID", ""},
          {"systemUUID", ""},
          {"bootID", ""}}}}}};
}

json WorkloadObject(const WorkloadSpec& spec, const RevisionSpec& revision) {
  json container = {{"name", spec.container}, {"image", revision.image}};
  if (!spec.memory_limit.empty()) {
    container["resources"] = {{"limits", {{"memory", spec.memory_limit}}}};
  }
  json object = {
      {"metadata", {{"name", spec.name}, {"namespace", spec.ns}, {"labels", spec.labels}}},
      {"spec",
       {{"replicas", spec.replicas},
        {"selector", {{"matchLabels", {{"app", spec.labels.at("app")}}}}},
        {"template",
         {{"metadata", {{"labels", spec.labels}}}, {"spec", {{"containers", {container}}}}}}}}};
  if (spec.kind == Kind::kStatefulSet) {
    object["spec"]["serviceName"] = spec.service_name;
    if (!spec.pod_management_policy.empty()) {
      object["spec"]["podManagementPolicy"] = spec.pod_management_policy;
    }
  }
  return object;
}

json ServiceObject(const ServiceSpec& spec) {
  json ports = json::array();
  for (const ServicePortSpec& port : spec.ports) {
    json entry = {{"port", port.port}, {"targetPort", port.port}, {"protocol", "TCP"}};
    if (!port.name.empty()) entry["name"] = port.name;
    ports.push_back(std::move(entry));
  }
  return {{"metadata", {{"name", spec.name}, {"namespace", spec.ns}}},
          {"spec", {{"type", "ClusterIP"}, {"selector", spec.selector}, {"ports", ports}}}};
}

common::Status ApplyWorkload(const WorkloadSpec& spec, Cluster& cluster) {
  const ResourceType& type = TypeOf(spec.kind);
  WorkloadRef ref{spec.kind, spec.ns, spec.name};
  REBOUND_RETURN_IF_ERROR(Create(cluster, type, WorkloadObject(spec, spec.revisions.front())));
  REBOUND_RETURN_IF_ERROR(cluster.SetBehaviour(ref, spec.revisions.front().behaviour));
  for (size_t i = 1; i < spec.revisions.size(); ++i) {
    cluster.Tick();  // the previous revision gets its ReplicaSet
    common::Status rolled =
        cluster.RollOut(ref, spec.revisions[i].image, spec.revisions[i].behaviour);
    if (!rolled.ok()) return rolled.WithContext("scenario");
  }
  return common::Status::Ok();
}

}  // namespace

common::Status ApplyScenario(const Scenario& scenario, Cluster& cluster) {
  const ResourceType& namespaces = TypeOf(Kind::kNamespace);
  std::set<std::string> wanted(scenario.namespaces.begin(), scenario.namespaces.end());
  for (const WorkloadSpec& workload : scenario.workloads) wanted.insert(workload.ns);
  for (const ServiceSpec& service : scenario.services) wanted.insert(service.ns);
  for (const PdbSpec& pdb : scenario.pdbs) wanted.insert(pdb.ns);
  for (const std::string& ns : wanted) {
    REBOUND_RETURN_IF_ERROR(Create(cluster, namespaces, {{"metadata", {{"name", ns}}}}));
  }

  std::vector<NodeSpec> nodes = scenario.nodes;
  if (nodes.empty()) {
    nodes.emplace_back();
    nodes.back().name = "node-1";
  }
  std::string now = KubeTime(cluster.clock().Now());
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto created = cluster.store().Create(TypeOf(Kind::kNode), NodeObject(nodes[i], i, now));
    if (!created.ok()) return created.status().WithContext("scenario: node " + nodes[i].name);
  }

  for (const WorkloadSpec& workload : scenario.workloads) {
    REBOUND_RETURN_IF_ERROR(ApplyWorkload(workload, cluster));
  }
  for (const PdbSpec& pdb : scenario.pdbs) {
    json spec = {{"selector", {{"matchLabels", pdb.selector}}}};
    if (!pdb.min_available.is_null()) spec["minAvailable"] = pdb.min_available;
    if (!pdb.max_unavailable.is_null()) spec["maxUnavailable"] = pdb.max_unavailable;
    REBOUND_RETURN_IF_ERROR(
        Create(cluster, TypeOf(Kind::kPodDisruptionBudget),
               {{"metadata", {{"name", pdb.name}, {"namespace", pdb.ns}}}, {"spec", spec}}));
  }
  for (const ServiceSpec& service : scenario.services) {
    REBOUND_RETURN_IF_ERROR(Create(cluster, TypeOf(Kind::kService), ServiceObject(service)));
  }
  for (const FaultSpec& fault : scenario.faults) cluster.faults().Add(fault);
  cluster.timeline().Start(scenario.timeline, cluster.clock().MonotonicNow());
  cluster.Tick();
  return common::Status::Ok();
}

}  // namespace rebound::kubesim
