#include "tools/kubesim/kube_state_metrics.h"

#include <algorithm>
#include <cctype>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/quantity.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

double Int(const json& object, std::string_view pointer) {
  return static_cast<double>(IntAt(object, pointer, 0));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// kube-state-metrics' replica and generation series of Deployments and StatefulSets: one row
// per object field, with each kind's family for it (empty where that kind has none).
struct WorkloadSeries {
  std::string_view pointer;  // the field, a JSON pointer into the object
  std::string_view deployment, deployment_help;
  std::string_view statefulset, statefulset_help;
};

constexpr WorkloadSeries kWorkloadSeries[] = {
    {"/spec/replicas", "kube_deployment_spec_replicas", "Number of desired pods for a deployment.",
     "kube_statefulset_replicas", "Number of desired pods for a StatefulSet."},
    {"/status/replicas", "kube_deployment_status_replicas",
     "The number of replicas per deployment.", "kube_statefulset_status_replicas",
     "The number of replicas per StatefulSet."},
    {"/status/availableReplicas", "kube_deployment_status_replicas_available",
     "The number of available replicas per deployment.",
     "kube_statefulset_status_replicas_available",
     "The number of available replicas per StatefulSet."},
    {"/status/readyReplicas", "kube_deployment_status_replicas_ready",
     "The number of ready replicas per deployment.", "kube_statefulset_status_replicas_ready",
     "The number of ready replicas per StatefulSet."},
    {"/status/currentReplicas", "", "", "kube_statefulset_status_replicas_current",
     "The number of current replicas per StatefulSet."},
    {"/status/updatedReplicas", "kube_deployment_status_replicas_updated",
     "The number of updated replicas per deployment.", "kube_statefulset_status_replicas_updated",
     "The number of updated replicas per StatefulSet."},
    {"/status/unavailableReplicas", "kube_deployment_status_replicas_unavailable",
     "The number of unavailable replicas per deployment.", "", ""},
    {"/metadata/generation", "kube_deployment_metadata_generation",
     "Sequence number representing a specific generation of the desired state.",
     "kube_statefulset_metadata_generation",
     "Sequence number representing a specific generation of the desired state for the "
     "StatefulSet."},
    {"/status/observedGeneration", "kube_deployment_status_observed_generation",
     "The generation observed by the deployment controller.",
     "kube_statefulset_status_observed_generation",
     "The generation observed by the StatefulSet controller."},
};

// The kWorkloadSeries of every object of `kind`, labelled {namespace, <label>}.
void Workloads(const ObjectStore& store, Kind kind, Families& out) {
  const bool deployment = kind == Kind::kDeployment;
  const std::string label = deployment ? "deployment" : "statefulset";
  for (const json& object : store.ListObjects(TypeOf(kind)).items) {
    Labels labels = {{"namespace", NamespaceOf(object)}, {label, NameOf(object)}};
    for (const WorkloadSeries& series : kWorkloadSeries) {
      std::string_view name = deployment ? series.deployment : series.statefulset;
      std::string_view help = deployment ? series.deployment_help : series.statefulset_help;
      if (name.empty()) continue;
      out.Gauge(std::string(name), std::string(help), labels, Int(object, series.pointer));
    }
  }
}

void ReplicaSets(const ObjectStore& store, Families& out) {
  for (const json& rs : store.ListObjects(TypeOf(Kind::kReplicaSet)).items) {
    Labels labels = {{"namespace", NamespaceOf(rs)}, {"replicaset", NameOf(rs)}};
    out.Gauge("kube_replicaset_spec_replicas", "Number of desired pods for a ReplicaSet.", labels,
              Int(rs, "/spec/replicas"));
    out.Gauge("kube_replicaset_status_ready_replicas",
              "The number of ready replicas per ReplicaSet.", labels,
              Int(rs, "/status/readyReplicas"));
  }
}

void ContainerStatus(const json& pod, const json& status, const json* spec_container,
                     Families& out) {
  Labels labels = {{"namespace", NamespaceOf(pod)},
                   {"pod", NameOf(pod)},
                   {"container", StringAt(status, "/name")}};
  out.Counter("kube_pod_container_status_restarts_total",
              "The number of container restarts per container.", labels,
              Int(status, "/restartCount"));
  out.Gauge("kube_pod_container_status_ready",
            "Describes whether the containers readiness check succeeded.", labels,
            BoolAt(status, "/ready", false) ? 1 : 0);
  if (std::string waiting = StringAt(status, "/state/waiting/reason"); !waiting.empty()) {
    Labels with_reason = labels;
    with_reason.emplace_back("reason", waiting);
    out.Gauge("kube_pod_container_status_waiting_reason",
              "Describes the reason the container is currently in waiting state.", with_reason, 1);
  }
  if (std::string last = StringAt(status, "/lastState/terminated/reason"); !last.empty()) {
    Labels with_reason = labels;
    with_reason.emplace_back("reason", last);
    out.Gauge("kube_pod_container_status_last_terminated_reason",
              "Describes the last reason the container was in terminated state.", with_reason, 1);
  }
  if (spec_container == nullptr) return;
  auto limit = ParseQuantity(StringAt(*spec_container, "/resources/limits/memory"));
  if (limit.ok()) {
    Labels resource = labels;
    resource.emplace_back("resource", "memory");
    resource.emplace_back("unit", "byte");
    out.Gauge("kube_pod_container_resource_limits",
              "The number of requested limit resource by a container.", resource, *limit);
  }
}

void Pods(const ObjectStore& store, Families& out) {
  for (const json& pod : store.ListObjects(TypeOf(Kind::kPod)).items) {
    std::string ns = NamespaceOf(pod), name = NameOf(pod);
    std::string phase = StringAt(pod, "/status/phase", "Pending");
    for (const char* candidate : {"Pending", "Running", "Succeeded", "Failed", "Unknown"}) {
      out.Gauge("kube_pod_status_phase", "The pods current phase.",
                {{"namespace", ns}, {"pod", name}, {"phase", candidate}},
                phase == candidate ? 1 : 0);
    }
    bool ready = PodReady(pod);
    for (const char* condition : {"true", "false", "unknown"}) {
      out.Gauge("kube_pod_status_ready", "Describes whether the pod is ready to serve requests.",
                {{"namespace", ns}, {"pod", name}, {"condition", condition}},
                (ready ? "true" : "false") == std::string(condition) ? 1 : 0);
    }
    std::string owner_kind = "<none>", owner_name = "<none>", controller = "<none>";
    if (const json* refs = Find(pod, "/metadata/ownerReferences");
        refs && refs->is_array() && !refs->empty()) {
      owner_kind = StringAt((*refs)[0], "/kind");
      owner_name = StringAt((*refs)[0], "/name");
      controller = BoolAt((*refs)[0], "/controller", false) ? "true" : "false";
    }
    out.Gauge("kube_pod_owner", "Information about the Pod's owner.",
              {{"namespace", ns},
               {"pod", name},
               {"owner_kind", owner_kind},
               {"owner_name", owner_name},
               {"owner_is_controller", controller}},
              1);
    out.Gauge("kube_pod_info", "Information about pod.",
              {{"namespace", ns},
               {"pod", name},
               {"node", StringAt(pod, "/spec/nodeName")},
               {"pod_ip", StringAt(pod, "/status/podIP")},
               {"host_ip", StringAt(pod, "/status/hostIP")},
               {"created_by_kind", owner_kind},
               {"created_by_name", owner_name}},
              1);
    const json* statuses = Find(pod, "/status/containerStatuses");
    const json* containers = Find(pod, "/spec/containers");
    if (statuses == nullptr || !statuses->is_array()) continue;
    for (const json& status : *statuses) {
      const json* spec_container = nullptr;
      for (size_t i = 0; containers && containers->is_array() && i < containers->size(); ++i) {
        if (StringAt((*containers)[i], "/name") == StringAt(status, "/name")) {
          spec_container = &(*containers)[i];
        }
      }
      ContainerStatus(pod, status, spec_container, out);
    }
  }
}

void Nodes(const ObjectStore& store, Families& out) {
  for (const json& node : store.ListObjects(TypeOf(Kind::kNode)).items) {
    out.Gauge("kube_node_spec_unschedulable", "Whether a node can schedule new pods.",
              {{"node", NameOf(node)}}, BoolAt(node, "/spec/unschedulable", false) ? 1 : 0);
    const json* conditions = Find(node, "/status/conditions");
    if (conditions == nullptr || !conditions->is_array()) continue;
    for (const json& c : *conditions) {
      std::string status = Lower(StringAt(c, "/status", "Unknown"));
      for (const char* candidate : {"true", "false", "unknown"}) {
        out.Gauge(
            "kube_node_status_condition", "The condition of a cluster node.",
            {{"node", NameOf(node)}, {"condition", StringAt(c, "/type")}, {"status", candidate}},
            status == candidate ? 1 : 0);
      }
    }
  }
}

void DisruptionBudgets(const ObjectStore& store, Families& out) {
  for (const json& pdb : store.ListObjects(TypeOf(Kind::kPodDisruptionBudget)).items) {
    out.Gauge("kube_poddisruptionbudget_status_pod_disruptions_allowed",
              "Number of pod disruptions that are currently allowed.",
              {{"namespace", NamespaceOf(pdb)}, {"poddisruptionbudget", NameOf(pdb)}},
              Int(pdb, "/status/disruptionsAllowed"));
  }
}

}  // namespace

void CollectKubeState(const ObjectStore& store, Families& out) {
  Workloads(store, Kind::kDeployment, out);
  Workloads(store, Kind::kStatefulSet, out);
  ReplicaSets(store, out);
  Pods(store, out);
  Nodes(store, out);
  DisruptionBudgets(store, out);
}

}  // namespace rebound::kubesim
