#include "tools/kubesim/pod_simulator.h"

#include <cmath>
#include <set>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/quantity.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

using std::chrono::steady_clock;

constexpr std::string_view kKubelet = "kubelet";

const json* ControllerRef(const json& object) {
  const json* refs = Find(object, "/metadata/ownerReferences");
  if (refs == nullptr || !refs->is_array()) return nullptr;
  for (const json& ref : *refs) {
    if (BoolAt(ref, "/controller", false)) return &ref;
  }
  return nullptr;
}

bool NodeSchedulable(const json& node) {
  if (BoolAt(node, "/spec/unschedulable", false)) return false;
  if (const json* conditions = Find(node, "/status/conditions");
      conditions && conditions->is_array()) {
    for (const json& c : *conditions) {
      if (StringAt(c, "/type") == "Ready") return StringAt(c, "/status") == "True";
    }
  }
  return false;
}

std::string InternalIp(const json& node) {
  if (const json* addresses = Find(node, "/status/addresses"); addresses && addresses->is_array()) {
    for (const json& a : *addresses) {
      if (StringAt(a, "/type") == "InternalIP") return StringAt(a, "/address");
    }
  }
  return "";
}

double MemoryLimit(const json& container) {
  auto limit = ParseQuantity(StringAt(container, "/resources/limits/memory"));
  return limit.ok() ? *limit : 0;
}

}  // namespace

std::optional<WorkloadRef> WorkloadOf(const json& pod, const std::vector<json>& replicasets) {
  const json* ref = ControllerRef(pod);
  if (ref == nullptr) return std::nullopt;
  std::string kind = StringAt(*ref, "/kind");
  if (kind == "StatefulSet") {
    return WorkloadRef{Kind::kStatefulSet, NamespaceOf(pod), StringAt(*ref, "/name")};
  }
  if (kind != "ReplicaSet") return std::nullopt;
  for (const json& rs : replicasets) {
    if (UidOf(rs) != StringAt(*ref, "/uid")) continue;
    const json* owner = ControllerRef(rs);
    if (owner == nullptr || StringAt(*owner, "/kind") != "Deployment") return std::nullopt;
    return WorkloadRef{Kind::kDeployment, NamespaceOf(pod), StringAt(*owner, "/name")};
  }
  return std::nullopt;
}

void PodSimulator::Reconcile() {
  const ResourceType& pod_type = TypeOf(Kind::kPod);
  std::vector<json> pods = store_.ListObjects(pod_type).items;
  std::vector<json> nodes = store_.ListObjects(TypeOf(Kind::kNode)).items;
  std::vector<json> replicasets = store_.ListObjects(TypeOf(Kind::kReplicaSet)).items;
  std::map<std::string, int> pods_per_node;
  for (const json& pod : pods) ++pods_per_node[StringAt(pod, "/spec/nodeName")];

  std::set<std::string> present;
  std::vector<ContainerMemory> memory;
  std::vector<App> apps;
  for (const json& pod : pods) {
    std::string phase = StringAt(pod, "/status/phase");
    if (phase == "Succeeded" || phase == "Failed") continue;
    present.insert(UidOf(pod));
    auto [it, inserted] = runtime_.try_emplace(UidOf(pod));
    Runtime& runtime = it->second;
    if (inserted) {
      runtime.seen = clock_.MonotonicNow();
      runtime.started = runtime.seen;
      runtime.running = phase == "Running";
    }
    json next = pod;
    bool running = runtime.running || Start(next, runtime, nodes, pods_per_node);
    if (running) {
      std::optional<WorkloadRef> workload = WorkloadOf(pod, replicasets);
      const json* spec = Find(pod, "/spec");
      Behaviour behaviour =
          workload && spec ? behaviours_.Get(*workload, CodeVersion(*spec)) : Behaviour();
      std::vector<double> bytes = Run(next, runtime, behaviour);
      const json* containers = Find(pod, "/spec/containers");
      for (size_t i = 0; containers && i < containers->size() && i < bytes.size(); ++i) {
        memory.push_back(
            {NamespaceOf(pod), NameOf(pod), StringAt((*containers)[i], "/name"), bytes[i]});
      }
      if (workload) {
        apps.push_back(
            {NamespaceOf(pod), NameOf(pod), *workload, behaviour, PodReady(next), runtime.started});
      }
    }
    (void)store_.Replace(pod_type, std::move(next), ResourceVersionOf(pod));
  }
  std::erase_if(runtime_, [&](const auto& entry) { return !present.contains(entry.first); });
  std::lock_guard lock(mu_);
  memory_ = std::move(memory);
  apps_ = std::move(apps);
}

bool PodSimulator::Start(json& pod, Runtime& runtime, const std::vector<json>& nodes,
                         std::map<std::string, int>& pods_per_node) {
  auto now = clock_.MonotonicNow();
  if (now - runtime.seen < start_delay_) return false;
  const ResourceType& pod_type = TypeOf(Kind::kPod);
  std::string wall = KubeTime(clock_.Now());
  json& status = EnsureObject(pod, "/status");
  std::string node_name = StringAt(pod, "/spec/nodeName");
  if (node_name.empty()) {
    const json* best = nullptr;
    int best_count = 0;
    for (const json& node : nodes) {
      if (!NodeSchedulable(node)) continue;
      auto count = pods_per_node.find(NameOf(node));
      int n = count == pods_per_node.end() ? 0 : count->second;
      if (best == nullptr || n < best_count) {
        best = &node;
        best_count = n;
      }
    }
    if (best == nullptr) {
      std::string message =
          "0/" + std::to_string(nodes.size()) + " nodes are available: no Ready node accepts pods.";
      SetCondition(status["conditions"], "PodScheduled", "False", "Unschedulable", message, wall);
      events_.Record(pod_type, pod, "Warning", "FailedScheduling", message, "default-scheduler");
      return false;
    }
    node_name = NameOf(*best);
    ++pods_per_node[node_name];
    pod["spec"]["nodeName"] = node_name;
    events_.Record(
        pod_type, pod, "Normal", "Scheduled",
        "Successfully assigned " + NamespaceOf(pod) + "/" + NameOf(pod) + " to " + node_name,
        "default-scheduler");
  }
  std::string host_ip;
  for (const json& node : nodes) {
    if (NameOf(node) == node_name) host_ip = InternalIp(node);
  }
  uint64_t n = next_ip_++;
  std::string pod_ip =
      "10.244." + std::to_string(n / 250 % 250) + "." + std::to_string(n % 250 + 2);
  status["phase"] = "Running";
  status["hostIP"] = host_ip;
  status["hostIPs"] = {{{"ip", host_ip}}};
  status["podIP"] = pod_ip;
  status["podIPs"] = {{{"ip", pod_ip}}};
  status["startTime"] = wall;
  for (const char* type : {"PodReadyToStartContainers", "Initialized", "PodScheduled"}) {
    SetCondition(status["conditions"], type, "True", "", "", wall);
  }
  json statuses = json::array();
  if (const json* containers = Find(pod, "/spec/containers");
      containers && containers->is_array()) {
    for (const json& c : *containers) {
      std::string name = StringAt(c, "/name");
      statuses.push_back({{"name", name},
                          {"image", StringAt(c, "/image")},
                          {"imageID", StringAt(c, "/image")},
                          {"containerID", "containerd://" + UidOf(pod) + "-" + name},
                          {"ready", false},
                          {"restartCount", 0},
                          {"started", true},
                          {"state", {{"running", {{"startedAt", wall}}}}},
                          {"lastState", json::object()}});
      events_.Record(pod_type, pod, "Normal", "Started", "Started container " + name, kKubelet);
    }
  }
  status["containerStatuses"] = std::move(statuses);
  runtime.running = true;
  runtime.started = clock_.MonotonicNow();
  runtime.crashing = false;
  return true;
}

std::vector<double> PodSimulator::Run(json& pod, Runtime& runtime, const Behaviour& behaviour) {
  auto now = clock_.MonotonicNow();
  std::string wall = KubeTime(clock_.Now());
  json& status = EnsureObject(pod, "/status");
  json& statuses = status["containerStatuses"];
  if (!statuses.is_array() || statuses.empty()) return {};
  json& app = statuses[0];
  const json* containers = Find(pod, "/spec/containers");
  double limit = containers && !containers->empty() ? MemoryLimit((*containers)[0]) : 0;
  auto restart_app = [&](std::string_view reason, int exit_code, bool waiting) {
    app["restartCount"] = IntAt(app, "/restartCount", 0) + 1;
    app["lastState"] = {{"terminated",
                         {{"exitCode", exit_code},
                          {"reason", reason},
                          {"startedAt", StringAt(app, "/state/running/startedAt", wall)},
                          {"finishedAt", wall},
                          {"containerID", StringAt(app, "/containerID")}}}};
    if (waiting) {
      app["state"] = {{"waiting",
                       {{"reason", "CrashLoopBackOff"},
                        {"message", "back-off restarting failed container " +
                                        StringAt(app, "/name") + " in pod " + NameOf(pod)}}}};
    } else {
      app["state"] = {{"running", {{"startedAt", wall}}}};
    }
  };

  double app_bytes = behaviour.base_memory_bytes;
  bool app_ready = true;
  if (behaviour.type == Behaviour::Type::kCrashLoop) {
    app_ready = false;
    if (!runtime.crashing) {
      runtime.crashing = true;
      runtime.next_crash = now + behaviour.restart_interval;
    }
    int crashes = 0;
    while (now >= runtime.next_crash) {
      ++crashes;
      runtime.next_crash += behaviour.restart_interval;
    }
    for (int i = 0; i < crashes; ++i) restart_app("Error", 1, true);
    if (crashes > 0) {
      events_.Record(TypeOf(Kind::kPod), pod, "Warning", "BackOff",
                     "Back-off restarting failed container " + StringAt(app, "/name") + " in pod " +
                         NameOf(pod) + "_" + NamespaceOf(pod) + "(" + UidOf(pod) + ")",
                     kKubelet);
    }
  } else {
    if (runtime.crashing) {
      runtime.crashing = false;
      runtime.started = now;
      app["state"] = {{"running", {{"startedAt", wall}}}};
    }
    if (behaviour.type == Behaviour::Type::kMemoryLeak) {
      double uptime = std::chrono::duration<double>(now - runtime.started).count();
      app_bytes = std::floor(app_bytes + behaviour.leak_bytes_per_second * uptime);
      if (limit > 0 && app_bytes >= limit) {
        restart_app("OOMKilled", 137, false);
        runtime.started = now;
        app_bytes = behaviour.base_memory_bytes;
      }
    }
  }
  std::vector<double> bytes;
  for (json& container : statuses) {
    bool ready = &container == &app ? app_ready : true;
    container["ready"] = ready;
    bytes.push_back(&container == &app ? app_bytes : behaviour.base_memory_bytes);
  }
  std::string app_name = StringAt(app, "/name");
  std::string why = app_ready ? "" : "containers with unready status: [" + app_name + "]";
  for (const char* type : {"ContainersReady", "Ready"}) {
    SetCondition(status["conditions"], type, app_ready ? "True" : "False",
                 app_ready ? "" : "ContainersNotReady", why, wall);
  }
  return bytes;
}

std::vector<PodSimulator::ContainerMemory> PodSimulator::Memory() const {
  std::lock_guard lock(mu_);
  return memory_;
}

std::vector<PodSimulator::App> PodSimulator::Apps() const {
  std::lock_guard lock(mu_);
  return apps_;
}

}  // namespace rebound::kubesim
