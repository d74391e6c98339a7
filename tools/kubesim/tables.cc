#include "tools/kubesim/tables.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/time_format.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/selectors.h"

namespace rebound::kubesim {
namespace {

using Clock = std::chrono::system_clock;

struct Column {
  std::string name = {};
  std::string type = "string";
  int priority = 0;
  std::string format = {};
};

using CellsFn = std::function<json(const json& object, Clock::time_point now)>;

std::string AgeSince(const json& object, std::string_view pointer, Clock::time_point now) {
  auto ts = common::ParseRfc3339(StringAt(object, pointer));
  if (!ts.ok()) return "<unknown>";
  auto then = Clock::time_point(std::chrono::seconds(ts->seconds));
  return HumanDuration(std::chrono::floor<std::chrono::seconds>(now - then));
}

std::string Age(const json& object, Clock::time_point now) {
  return AgeSince(object, "/metadata/creationTimestamp", now);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep = ",") {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

std::vector<std::string> ContainerField(const json& object, std::string_view field) {
  std::vector<std::string> out;
  const json* containers = Find(object, "/spec/template/spec/containers");
  if (containers == nullptr || !containers->is_array()) return out;
  for (const json& c : *containers) out.push_back(StringAt(c, "/" + std::string(field)));
  return out;
}

std::string SelectorText(const json& object) {
  const json* selector = Find(object, "/spec/selector");
  auto parsed = LabelSelector::FromJson(selector ? *selector : json());
  return parsed.ok() ? parsed->ToString() : "";
}

std::string OrNone(std::string text) { return text.empty() ? "<none>" : text; }

// The STATUS column of a pod, as kubectl's pod printer derives it.
std::string PodStatus(const json& pod) {
  if (Find(pod, "/metadata/deletionTimestamp") != nullptr) return "Terminating";
  std::string reason = StringAt(pod, "/status/reason", StringAt(pod, "/status/phase", "Unknown"));
  const json* statuses = Find(pod, "/status/containerStatuses");
  if (statuses == nullptr || !statuses->is_array()) return reason;
  for (const json& status : *statuses) {
    std::string waiting = StringAt(status, "/state/waiting/reason");
    std::string terminated = StringAt(status, "/state/terminated/reason");
    if (!waiting.empty()) reason = waiting;
    if (!terminated.empty()) reason = terminated;
  }
  return reason;
}

json PodCells(const json& pod, Clock::time_point now) {
  int total = 0;
  if (const json* containers = Find(pod, "/spec/containers");
      containers && containers->is_array()) {
    total = static_cast<int>(containers->size());
  }
  int ready = 0;
  int64_t restarts = 0;
  std::string last_restart;
  if (const json* statuses = Find(pod, "/status/containerStatuses");
      statuses && statuses->is_array()) {
    for (const json& status : *statuses) {
      ready += BoolAt(status, "/ready", false) ? 1 : 0;
      restarts += IntAt(status, "/restartCount", 0);
      if (Find(status, "/lastState/terminated/finishedAt") != nullptr) {
        last_restart = AgeSince(status, "/lastState/terminated/finishedAt", now);
      }
    }
  }
  std::string restart_text = std::to_string(restarts);
  if (restarts > 0 && !last_restart.empty()) restart_text += " (" + last_restart + " ago)";
  return {NameOf(pod),
          std::to_string(ready) + "/" + std::to_string(total),
          PodStatus(pod),
          restart_text,
          Age(pod, now),
          OrNone(StringAt(pod, "/status/podIP")),
          OrNone(StringAt(pod, "/spec/nodeName")),
          "<none>",
          "<none>"};
}

json DeploymentCells(const json& d, Clock::time_point now) {
  return {NameOf(d),
          std::to_string(IntAt(d, "/status/readyReplicas", 0)) + "/" +
              std::to_string(IntAt(d, "/spec/replicas", 0)),
          IntAt(d, "/status/updatedReplicas", 0),
          IntAt(d, "/status/availableReplicas", 0),
          Age(d, now),
          Join(ContainerField(d, "name")),
          Join(ContainerField(d, "image")),
          SelectorText(d)};
}

json ReplicaSetCells(const json& rs, Clock::time_point now) {
  return {NameOf(rs),
          IntAt(rs, "/spec/replicas", 0),
          IntAt(rs, "/status/replicas", 0),
          IntAt(rs, "/status/readyReplicas", 0),
          Age(rs, now),
          Join(ContainerField(rs, "name")),
          Join(ContainerField(rs, "image")),
          SelectorText(rs)};
}

json StatefulSetCells(const json& sts, Clock::time_point now) {
  return {NameOf(sts),
          std::to_string(IntAt(sts, "/status/readyReplicas", 0)) + "/" +
              std::to_string(IntAt(sts, "/spec/replicas", 0)),
          Age(sts, now), Join(ContainerField(sts, "name")), Join(ContainerField(sts, "image"))};
}

std::string NodeCondition(const json& node, std::string_view type) {
  if (const json* conditions = Find(node, "/status/conditions");
      conditions && conditions->is_array()) {
    for (const json& c : *conditions) {
      if (StringAt(c, "/type") == type) return StringAt(c, "/status", "Unknown");
    }
  }
  return "Unknown";
}

json NodeCells(const json& node, Clock::time_point now) {
  std::string ready = NodeCondition(node, "Ready");
  std::string status = ready == "True" ? "Ready" : ready == "False" ? "NotReady" : "Unknown";
  if (BoolAt(node, "/spec/unschedulable", false)) status += ",SchedulingDisabled";
  std::vector<std::string> roles;
  for (const auto& [key, value] : StringMapAt(node, "/metadata/labels")) {
    constexpr std::string_view kRole = "node-role.kubernetes.io/";
    if (key.starts_with(kRole)) roles.push_back(key.substr(kRole.size()));
  }
  std::string internal_ip;
  if (const json* addresses = Find(node, "/status/addresses"); addresses && addresses->is_array()) {
    for (const json& a : *addresses) {
      if (StringAt(a, "/type") == "InternalIP") internal_ip = StringAt(a, "/address");
    }
  }
  return {NameOf(node),
          status,
          OrNone(Join(roles)),
          Age(node, now),
          StringAt(node, "/status/nodeInfo/kubeletVersion"),
          OrNone(internal_ip),
          "<none>",
          StringAt(node, "/status/nodeInfo/osImage"),
          StringAt(node, "/status/nodeInfo/kernelVersion"),
          StringAt(node, "/status/nodeInfo/containerRuntimeVersion")};
}

json NamespaceCells(const json& ns, Clock::time_point now) {
  return {NameOf(ns), StringAt(ns, "/status/phase"), Age(ns, now)};
}

json EventCells(const json& ev, Clock::time_point now) {
  std::string last = Find(ev, "/lastTimestamp") && !Find(ev, "/lastTimestamp")->is_null()
                         ? AgeSince(ev, "/lastTimestamp", now)
                         : AgeSince(ev, "/eventTime", now);
  std::string object = StringAt(ev, "/involvedObject/kind");
  std::transform(object.begin(), object.end(), object.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  object += "/" + StringAt(ev, "/involvedObject/name");
  std::string source = StringAt(ev, "/source/component", StringAt(ev, "/reportingComponent"));
  if (std::string host = StringAt(ev, "/source/host"); !host.empty()) source += ", " + host;
  return {last,
          StringAt(ev, "/type"),
          StringAt(ev, "/reason"),
          object,
          StringAt(ev, "/involvedObject/fieldPath"),
          source,
          StringAt(ev, "/message"),
          AgeSince(ev, "/firstTimestamp", now),
          IntAt(ev, "/count", 1),
          NameOf(ev)};
}

json LeaseCells(const json& lease, Clock::time_point now) {
  return {NameOf(lease), StringAt(lease, "/spec/holderIdentity"), Age(lease, now)};
}

json ServiceCells(const json& service, Clock::time_point now) {
  std::vector<std::string> ports;
  if (const json* list = Find(service, "/spec/ports"); list && list->is_array()) {
    for (const json& port : *list) {
      ports.push_back(std::to_string(IntAt(port, "/port", 0)) + "/" +
                      StringAt(port, "/protocol", "TCP"));
    }
  }
  std::string selector;
  for (const auto& [key, value] : StringMapAt(service, "/spec/selector")) {
    selector += (selector.empty() ? "" : ",") + key + "=" + value;
  }
  return {NameOf(service),
          StringAt(service, "/spec/type", "ClusterIP"),
          OrNone(StringAt(service, "/spec/clusterIP")),
          "<none>",
          OrNone(Join(ports)),
          Age(service, now),
          OrNone(selector)};
}

std::string IntOrString(const json& object, std::string_view pointer) {
  const json* value = Find(object, pointer);
  if (value == nullptr || value->is_null()) return "N/A";
  return value->is_string() ? value->get<std::string>() : value->dump();
}

json PdbCells(const json& pdb, Clock::time_point now) {
  return {NameOf(pdb), IntOrString(pdb, "/spec/minAvailable"),
          IntOrString(pdb, "/spec/maxUnavailable"), IntAt(pdb, "/status/disruptionsAllowed", 0),
          Age(pdb, now)};
}

struct Layout {
  std::vector<Column> columns;
  CellsFn cells;
};

const Layout& LayoutOf(Kind kind) {
  static const Column kName{"Name", "string", 0, "name"};
  static const Column kAge{"Age", "string", 0, ""};
  static const Layout kPod{{kName,
                            {"Ready"},
                            {"Status"},
                            {"Restarts"},
                            kAge,
                            {"IP", "string", 1},
                            {"Node", "string", 1},
                            {"Nominated Node", "string", 1},
                            {"Readiness Gates", "string", 1}},
                           PodCells};
  static const Layout kDeployment{{kName,
                                   {"Ready"},
                                   {"Up-to-date", "integer"},
                                   {"Available", "integer"},
                                   kAge,
                                   {"Containers", "string", 1},
                                   {"Images", "string", 1},
                                   {"Selector", "string", 1}},
                                  DeploymentCells};
  static const Layout kReplicaSet{{kName,
                                   {"Desired", "integer"},
                                   {"Current", "integer"},
                                   {"Ready", "integer"},
                                   kAge,
                                   {"Containers", "string", 1},
                                   {"Images", "string", 1},
                                   {"Selector", "string", 1}},
                                  ReplicaSetCells};
  static const Layout kStatefulSet{
      {kName, {"Ready"}, kAge, {"Containers", "string", 1}, {"Images", "string", 1}},
      StatefulSetCells};
  static const Layout kNode{{kName,
                             {"Status"},
                             {"Roles"},
                             kAge,
                             {"Version"},
                             {"Internal-IP", "string", 1},
                             {"External-IP", "string", 1},
                             {"OS-Image", "string", 1},
                             {"Kernel-Version", "string", 1},
                             {"Container-Runtime", "string", 1}},
                            NodeCells};
  static const Layout kNamespace{{kName, {"Status"}, kAge}, NamespaceCells};
  static const Layout kEvent{{{"Last Seen"},
                              {"Type"},
                              {"Reason"},
                              {"Object"},
                              {"Subobject", "string", 1},
                              {"Source", "string", 1},
                              {"Message"},
                              {"First Seen", "string", 1},
                              {"Count", "integer", 1},
                              {"Name", "string", 1, "name"}},
                             EventCells};
  static const Layout kLease{{kName, {"Holder"}, kAge}, LeaseCells};
  static const Layout kService{{kName,
                                {"Type"},
                                {"Cluster-IP"},
                                {"External-IP"},
                                {"Port(s)"},
                                kAge,
                                {"Selector", "string", 1}},
                               ServiceCells};
  static const Layout kPdb{
      {kName, {"Min Available"}, {"Max Unavailable"}, {"Allowed Disruptions", "integer"}, kAge},
      PdbCells};
  switch (kind) {
    case Kind::kPod:
      return kPod;
    case Kind::kDeployment:
      return kDeployment;
    case Kind::kReplicaSet:
      return kReplicaSet;
    case Kind::kStatefulSet:
      return kStatefulSet;
    case Kind::kNode:
      return kNode;
    case Kind::kNamespace:
      return kNamespace;
    case Kind::kEvent:
      return kEvent;
    case Kind::kService:
      return kService;
    case Kind::kLease:
      return kLease;
    case Kind::kPodDisruptionBudget:
      return kPdb;
  }
  return kNamespace;
}

}  // namespace

bool WantsTable(std::string_view accept) {
  return accept.find("as=Table") != std::string_view::npos;
}

json ToTable(const ResourceType& type, const std::vector<json>& objects, uint64_t resource_version,
             Clock::time_point now) {
  const Layout& layout = LayoutOf(type.id);
  json columns = json::array();
  for (const Column& c : layout.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", c.name},
                       {"priority", c.priority}});
  }
  json rows = json::array();
  for (const json& object : objects) {
    rows.push_back(
        {{"cells", layout.cells(object, now)},
         {"object",
          {{"kind", "PartialObjectMetadata"},
           {"apiVersion", "meta.k8s.io/v1"},
           {"metadata", object.contains("metadata") ? object["metadata"] : json::object()}}}});
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", std::to_string(resource_version)}}},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

std::string HumanDuration(std::chrono::seconds age) {
  int64_t seconds = age.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 180) return std::to_string(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return std::to_string(hours / 24) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t d = (hours / 24) % 365;
    return std::to_string(hours / 24 / 365) + "y" + (d == 0 ? "" : std::to_string(d) + "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

}  // namespace rebound::kubesim
