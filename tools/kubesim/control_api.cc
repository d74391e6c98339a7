#include "tools/kubesim/control_api.h"

#include <vector>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/pod_simulator.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

constexpr std::string_view kPrefix = "/kubesim/v1/";

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) out.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

common::HttpResponse BadBody(const common::YamlErrors& errors) {
  std::string message;
  for (const common::YamlError& error : errors.Sorted()) {
    message += (message.empty() ? "" : "; ") + error.ToString();
  }
  return common::HttpResponse::Error(400, message);
}

json WorkloadState(const Cluster& cluster, Kind kind, const json& workload,
                   const std::vector<TrafficSimulator::Series>& traffic) {
  WorkloadRef ref{kind, NamespaceOf(workload), NameOf(workload)};
  const json* spec = Find(workload, "/spec/template/spec");
  std::string version = CodeVersion(spec ? *spec : json());
  json state = {{"kind", TypeOf(kind).kind},
                {"namespace", ref.ns},
                {"name", ref.name},
                {"replicas", IntAt(workload, "/spec/replicas", 0)},
                {"readyReplicas", IntAt(workload, "/status/readyReplicas", 0)},
                {"availableReplicas", IntAt(workload, "/status/availableReplicas", 0)},
                {"version", version},
                {"behaviour", cluster.behaviours().Get(ref, version).ToJson()},
                {"behaviours", cluster.behaviours().VersionsJson(ref)}};
  for (const TrafficSimulator::Series& series : traffic) {
    if (series.workload != ref) continue;
    state["traffic"] = {{"requestsOk", series.ok},
                        {"requestsFailed", series.errors},
                        {"errorRatio", series.error_ratio},
                        {"latencySeconds", series.latency_seconds}};
    if (series.calls) {
      state["traffic"]["calls"] = {{"peer", series.calls->peer},
                                   {"ok", series.calls->ok},
                                   {"failed", series.calls->failed},
                                   {"failedCode", series.calls->failed_code}};
    }
  }
  return state;
}

}  // namespace

common::HttpResponse ControlApi::Handle(const common::HttpRequest& request) {
  std::vector<std::string> parts = Split(std::string_view(request.path).substr(kPrefix.size()));
  if (parts.size() == 1 && parts[0] == "state" && request.method == "GET") return State();
  if (parts.size() == 1 && parts[0] == "faults") return Faults(request);
  if (parts.size() == 5 && parts[0] == "namespaces" && parts[4] == "behaviour" &&
      (parts[2] == "deployments" || parts[2] == "statefulsets") &&
      (request.method == "POST" || request.method == "PUT")) {
    Kind kind = parts[2] == "deployments" ? Kind::kDeployment : Kind::kStatefulSet;
    return SetBehaviour({kind, parts[1], parts[3]}, request);
  }
  return common::HttpResponse::Error(
      404, "no such kubesim endpoint: " + request.method + " " + request.path);
}

common::HttpResponse ControlApi::State() {
  std::vector<TrafficSimulator::Series> traffic = cluster_.traffic().Snapshot();
  json workloads = json::array();
  for (Kind kind : {Kind::kDeployment, Kind::kStatefulSet}) {
    for (const json& workload : cluster_.store().ListObjects(TypeOf(kind)).items) {
      workloads.push_back(WorkloadState(cluster_, kind, workload, traffic));
    }
  }
  std::vector<PodSimulator::ContainerMemory> memory = cluster_.pods().Memory();
  std::vector<TrafficSimulator::Pool> pools = cluster_.traffic().Pools();
  json pods = json::array();
  for (const json& pod : cluster_.store().ListObjects(TypeOf(Kind::kPod)).items) {
    int64_t restarts = 0;
    if (const json* statuses = Find(pod, "/status/containerStatuses");
        statuses && statuses->is_array()) {
      for (const json& status : *statuses) restarts += IntAt(status, "/restartCount", 0);
    }
    json bytes = json::object();
    for (const PodSimulator::ContainerMemory& sample : memory) {
      if (sample.ns == NamespaceOf(pod) && sample.pod == NameOf(pod)) {
        bytes[sample.container] = sample.bytes;
      }
    }
    json entry = {{"namespace", NamespaceOf(pod)},
                  {"name", NameOf(pod)},
                  {"node", StringAt(pod, "/spec/nodeName")},
                  {"phase", StringAt(pod, "/status/phase")},
                  {"ready", PodReady(pod)},
                  {"restarts", restarts},
                  {"memoryBytes", bytes}};
    for (const TrafficSimulator::Pool& pool : pools) {
      if (pool.ns == NamespaceOf(pod) && pool.pod == NameOf(pod)) {
        entry["connectionPool"] = {{"name", pool.name},
                                   {"used", pool.used},
                                   {"max", pool.max},
                                   {"timeouts", pool.timeouts}};
      }
    }
    pods.push_back(std::move(entry));
  }
  json faults = json::array();
  for (const FaultSpec& fault : cluster_.faults().Pending()) faults.push_back(fault.ToJson());
  return common::HttpResponse::Json(
      200, {{"resourceVersion", std::to_string(cluster_.store().CurrentVersion())},
            {"workloads", workloads},
            {"pods", pods},
            {"faults", faults},
            {"faultsInjected", cluster_.faults().InjectedCounts()},
            {"timeline", cluster_.timeline().ToJson()}});
}

common::HttpResponse ControlApi::SetBehaviour(const WorkloadRef& workload,
                                              const common::HttpRequest& request) {
  common::YamlErrors errors("request body");
  std::optional<YAML::Node> body = common::ParseYaml(request.body, errors);
  std::optional<Behaviour> behaviour =
      body ? ParseBehaviour(*body, "behaviour", errors) : std::nullopt;
  if (!behaviour) return BadBody(errors);
  common::Status status = cluster_.SetBehaviour(workload, *behaviour);
  if (!status.ok()) return common::HttpResponse::Error(404, status.message());
  return common::HttpResponse::Json(200, behaviour->ToJson());
}

common::HttpResponse ControlApi::Faults(const common::HttpRequest& request) {
  FaultInjector& injector = cluster_.faults();
  if (request.method == "DELETE") {
    injector.Clear();
    return common::HttpResponse::Json(200, json::array());
  }
  if (request.method == "POST") {
    common::YamlErrors errors("request body");
    std::optional<YAML::Node> body = common::ParseYaml(request.body, errors);
    std::vector<FaultSpec> added;
    if (body && body->IsSequence()) {
      for (size_t i = 0; i < body->size(); ++i) {
        auto fault = ParseFault((*body)[i], "faults[" + std::to_string(i) + "]", errors);
        if (fault) added.push_back(*fault);
      }
    } else if (body) {
      if (auto fault = ParseFault(*body, "fault", errors)) added.push_back(*fault);
    }
    if (!errors.empty()) return BadBody(errors);
    for (FaultSpec& fault : added) injector.Add(std::move(fault));
  } else if (request.method != "GET") {
    return common::HttpResponse::Error(405, "use GET, POST or DELETE");
  }
  json faults = json::array();
  for (const FaultSpec& fault : injector.Pending()) faults.push_back(fault.ToJson());
  return common::HttpResponse::Json(200, faults);
}

}  // namespace rebound::kubesim
