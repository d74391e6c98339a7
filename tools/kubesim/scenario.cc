#include "tools/kubesim/scenario.h"

#include <functional>
#include <set>
#include <tuple>

#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/quantity.h"

namespace rebound::kubesim {
namespace {

using common::StrictMap;
using common::YamlErrors;

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

// Calls `each` for every item of the list under `key` (absent is an empty list).
void ForEachItem(const StrictMap& map, std::string_view key,
                 const std::function<void(const YAML::Node&, const std::string&)>& each) {
  std::optional<YAML::Node> list = map.Find(key);
  if (!list) return;
  if (!list->IsSequence()) {
    map.errors().Add(*list, Quoted(map.Qualified(key)) + ": expected a list, got " +
                                common::DescribeYaml(*list));
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    each((*list)[i], map.Qualified(key) + "[" + std::to_string(i) + "]");
  }
}

// A mapping of strings (labels, selectors); nullopt after an error.
std::optional<std::map<std::string, std::string>> StringMap(const StrictMap& map,
                                                            std::string_view key) {
  std::optional<YAML::Node> node = map.Find(key);
  if (!node) return std::nullopt;
  std::string name = map.Qualified(key);
  if (!node->IsMap()) {
    map.errors().Add(*node,
                     Quoted(name) + ": expected a mapping, got " + common::DescribeYaml(*node));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& entry : *node) {
    std::string item = name + "." + (entry.first.IsScalar() ? entry.first.Scalar() : "?");
    auto k = common::YamlString(entry.first, name, map.errors());
    auto v = common::YamlString(entry.second, item, map.errors());
    if (k && v) out[*k] = *v;
  }
  return out;
}

std::optional<std::string> Name(const StrictMap& map, std::string_view key = "name") {
  std::optional<std::string> name = map.String(key);
  if (name && !IsDnsSubdomain(*name)) {
    map.errors().Add(*map.Find(key), Quoted(map.Qualified(key)) + ": \"" + *name +
                                         "\" is not a valid name (lower case letters, digits, "
                                         "'-' and '.', starting and ending with a letter or "
                                         "digit)");
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> Quantity(const StrictMap& map, std::string_view key) {
  std::optional<std::string> text = map.String(key);
  if (!text) return std::nullopt;
  if (auto parsed = ParseQuantity(*text); !parsed.ok()) {
    map.errors().Add(*map.Find(key), Quoted(map.Qualified(key)) + ": " + parsed.status().message());
    return std::nullopt;
  }
  return text;
}

std::optional<NodeSpec> ParseNode(const YAML::Node& node, const std::string& name,
                                  YamlErrors& errors) {
  StrictMap map(node, name, {"name", "ready", "unschedulable", "labels", "cpu", "memory"}, errors);
  NodeSpec spec;
  map.Require("name");
  if (auto n = Name(map)) spec.name = *n;
  if (auto ready = map.Bool("ready")) spec.ready = *ready;
  if (auto cordoned = map.Bool("unschedulable")) spec.unschedulable = *cordoned;
  if (auto labels = StringMap(map, "labels")) spec.labels = *labels;
  if (auto cpu = Quantity(map, "cpu")) spec.cpu = *cpu;
  if (auto memory = Quantity(map, "memory")) spec.memory = *memory;
  return spec;
}

std::optional<WorkloadSpec> ParseWorkload(Kind kind, const YAML::Node& node,
                                          const std::string& name, YamlErrors& errors) {
  std::vector<std::string> keys = {"name",  "namespace",   "replicas",  "labels",   "container",
                                   "image", "memoryLimit", "behaviour", "revisions"};
  if (kind == Kind::kStatefulSet) keys.insert(keys.end(), {"serviceName", "podManagementPolicy"});
  StrictMap map(node, name, keys, errors);
  WorkloadSpec spec;
  spec.kind = kind;
  map.Require("name");
  if (auto n = Name(map)) spec.name = *n;
  if (auto ns = Name(map, "namespace")) spec.ns = *ns;
  if (auto replicas = map.Int("replicas", 0, 1000)) spec.replicas = *replicas;
  if (auto labels = StringMap(map, "labels")) spec.labels = *labels;
  spec.labels.try_emplace("app", spec.name);
  spec.container = map.String("container").value_or(spec.name);
  if (auto limit = Quantity(map, "memoryLimit")) spec.memory_limit = *limit;
  if (kind == Kind::kStatefulSet) {
    spec.service_name = map.String("serviceName").value_or(spec.name);
    if (auto policy = map.Enum("podManagementPolicy", {"OrderedReady", "Parallel"})) {
      spec.pod_management_policy = *policy;
    }
  }
  if (map.Has("revisions")) {
    for (std::string_view single : {"image", "behaviour"}) {
      if (map.Has(single)) {
        errors.Add(map.KeyMark(single), Quoted(map.Qualified(single)) +
                                            ": give either revisions or image and behaviour");
      }
    }
    ForEachItem(map, "revisions", [&](const YAML::Node& item, const std::string& item_name) {
      StrictMap revision(item, item_name, {"image", "behaviour"}, errors);
      RevisionSpec parsed;
      revision.Require("image");
      parsed.image = revision.String("image").value_or("");
      if (auto b = revision.Find("behaviour")) {
        parsed.behaviour =
            ParseBehaviour(*b, revision.Qualified("behaviour"), errors).value_or(Behaviour());
      }
      if (!spec.revisions.empty() && spec.revisions.back().image == parsed.image) {
        errors.Add(revision.KeyMark("image"),
                   Quoted(revision.Qualified("image")) +
                       ": a revision must change the image of the one before it");
      }
      spec.revisions.push_back(std::move(parsed));
    });
    if (spec.revisions.empty()) {
      errors.Add(map.KeyMark("revisions"),
                 Quoted(map.Qualified("revisions")) + ": needs at least one revision");
    }
  } else {
    RevisionSpec only;
    only.image = map.String("image").value_or("registry.local/" + spec.name + ":1.0.0");
    if (auto b = map.Find("behaviour")) {
      only.behaviour = ParseBehaviour(*b, map.Qualified("behaviour"), errors).value_or(Behaviour());
    }
    spec.revisions.push_back(std::move(only));
  }
  return spec;
}

std::optional<PdbSpec> ParsePdb(const YAML::Node& node, const std::string& name,
                                YamlErrors& errors) {
  StrictMap map(node, name, {"name", "namespace", "minAvailable", "maxUnavailable", "selector"},
                errors);
  PdbSpec spec;
  map.Require("name");
  map.Require("selector");
  if (auto n = Name(map)) spec.name = *n;
  if (auto ns = Name(map, "namespace")) spec.ns = *ns;
  if (auto selector = StringMap(map, "selector")) spec.selector = *selector;
  auto int_or_percent = [&](std::string_view key) -> nlohmann::json {
    std::optional<std::string> text = map.String(key);
    if (!text) return nullptr;
    if (!text->empty() && text->back() == '%') return *text;
    if (auto value = map.Int(key, 0, 1000000)) return *value;
    return nullptr;
  };
  spec.min_available = int_or_percent("minAvailable");
  spec.max_unavailable = int_or_percent("maxUnavailable");
  if (map.Has("minAvailable") == map.Has("maxUnavailable")) {
    errors.Add(map.mark(), Quoted(name) + ": give exactly one of minAvailable and maxUnavailable");
  }
  return spec;
}

std::optional<ServiceSpec> ParseService(const YAML::Node& node, const std::string& name,
                                        YamlErrors& errors) {
  StrictMap map(node, name, {"name", "namespace", "selector", "ports"}, errors);
  ServiceSpec spec;
  map.Require("name");
  if (auto n = Name(map)) spec.name = *n;
  if (auto ns = Name(map, "namespace")) spec.ns = *ns;
  if (auto selector = StringMap(map, "selector")) spec.selector = *selector;
  if (!map.Has("selector")) spec.selector = {{"app", spec.name}};
  std::set<std::string> names;
  std::set<int64_t> numbers;
  ForEachItem(map, "ports", [&](const YAML::Node& item, const std::string& item_name) {
    StrictMap port(item, item_name, {"name", "port"}, errors);
    ServicePortSpec parsed;
    port.Require("port");
    if (auto number = port.Int("port", 1, 65535)) parsed.port = *number;
    if (auto port_name = port.String("name")) parsed.name = *port_name;
    if (!parsed.name.empty() && !names.insert(parsed.name).second) {
      errors.Add(port.KeyMark("name"), Quoted(port.Qualified("name")) + ": \"" + parsed.name +
                                           "\" is used by another port");
    }
    if (port.Has("port") && !numbers.insert(parsed.port).second) {
      errors.Add(port.KeyMark("port"), Quoted(port.Qualified("port")) + ": " +
                                           std::to_string(parsed.port) +
                                           " is used by another port");
    }
    spec.ports.push_back(std::move(parsed));
  });
  if (map.Has("ports") && spec.ports.empty()) {
    errors.Add(map.KeyMark("ports"), Quoted(map.Qualified("ports")) + ": needs at least one port");
  }
  if (spec.ports.size() > 1) {
    for (size_t i = 0; i < spec.ports.size(); ++i) {
      if (spec.ports[i].name.empty()) {
        errors.Add(map.KeyMark("ports"),
                   Quoted(map.Qualified("ports") + "[" + std::to_string(i) + "]") +
                       ": a name is required when there are several ports");
      }
    }
  }
  if (!map.Has("ports")) spec.ports.push_back({"http", 80});
  return spec;
}

// A timeline entry, and where its workload is named (checked once every workload is known).
struct ParsedEntry {
  TimelineEntry entry;
  YAML::Mark workload_mark = YAML::Mark::null_mark();
  std::string workload_key;  // "timeline[0].rollout.deployment"
};

std::optional<ParsedEntry> ParseTimelineEntry(const YAML::Node& node, const std::string& name,
                                              YamlErrors& errors) {
  StrictMap map(node, name, {"after", "rollout", "behaviour"}, errors);
  map.Require("after");
  ParsedEntry parsed;
  TimelineEntry& entry = parsed.entry;
  if (auto after = map.Duration("after", std::chrono::milliseconds(0))) entry.after = *after;
  if (map.Has("rollout") == map.Has("behaviour")) {
    errors.Add(map.mark(), Quoted(name) + ": give exactly one of rollout and behaviour");
    return std::nullopt;
  }
  bool rollout = map.Has("rollout");
  entry.action = rollout ? TimelineEntry::Action::kRollout : TimelineEntry::Action::kBehaviour;
  std::vector<std::string> keys = {"namespace", "deployment", "statefulset", "behaviour"};
  if (rollout) keys.push_back("image");
  StrictMap change = map.Child(rollout ? "rollout" : "behaviour", keys);
  if (auto ns = Name(change, "namespace")) entry.workload.ns = *ns;
  if (entry.workload.ns.empty()) entry.workload.ns = "default";
  if (change.Has("deployment") == change.Has("statefulset")) {
    errors.Add(change.mark(),
               Quoted(change.name()) + ": give exactly one of deployment and statefulset");
  } else {
    std::string key = change.Has("deployment") ? "deployment" : "statefulset";
    entry.workload.kind = key == "deployment" ? Kind::kDeployment : Kind::kStatefulSet;
    if (auto workload = Name(change, key)) entry.workload.name = *workload;
    parsed.workload_mark = change.KeyMark(key);
    parsed.workload_key = change.Qualified(key);
  }
  if (rollout) {
    change.Require("image");
    entry.image = change.String("image").value_or("");
  } else {
    change.Require("behaviour");
  }
  if (auto b = change.Find("behaviour")) {
    entry.behaviour =
        ParseBehaviour(*b, change.Qualified("behaviour"), errors).value_or(Behaviour());
  }
  return parsed;
}

ScenarioResult Finish(Scenario scenario, const YamlErrors& errors) {
  ScenarioResult result;
  result.errors = errors.Sorted();
  if (result.errors.empty()) result.scenario = std::move(scenario);
  return result;
}

ScenarioResult ParseRoot(const std::optional<YAML::Node>& root, YamlErrors& errors) {
  Scenario scenario;
  if (!root) return Finish(std::move(scenario), errors);
  StrictMap map(*root, "",
                {"namespaces", "nodes", "deployments", "statefulsets", "services",
                 "podDisruptionBudgets", "faults", "timeline"},
                errors);
  ForEachItem(map, "namespaces", [&](const YAML::Node& item, const std::string& name) {
    auto ns = common::YamlString(item, name, errors);
    if (ns && !IsDnsSubdomain(*ns)) {
      errors.Add(item, Quoted(name) + ": \"" + *ns + "\" is not a valid namespace name");
    } else if (ns) {
      scenario.namespaces.push_back(*ns);
    }
  });
  std::set<std::string> node_names;
  ForEachItem(map, "nodes", [&](const YAML::Node& item, const std::string& name) {
    if (auto node = ParseNode(item, name, errors)) {
      if (!node->name.empty() && !node_names.insert(node->name).second) {
        errors.Add(item, Quoted(name) + ": node \"" + node->name + "\" is defined twice");
      }
      scenario.nodes.push_back(std::move(*node));
    }
  });
  std::set<std::tuple<Kind, std::string, std::string>> workloads;
  for (auto [key, kind] : {std::pair{"deployments", Kind::kDeployment},
                           std::pair{"statefulsets", Kind::kStatefulSet}}) {
    ForEachItem(map, key, [&, kind = kind](const YAML::Node& item, const std::string& name) {
      auto workload = ParseWorkload(kind, item, name, errors);
      if (!workload) return;
      if (!workload->name.empty() &&
          !workloads.insert({kind, workload->ns, workload->name}).second) {
        errors.Add(item, Quoted(name) + ": \"" + workload->ns + "/" + workload->name +
                             "\" is defined twice");
      }
      scenario.workloads.push_back(std::move(*workload));
    });
  }
  std::set<std::pair<std::string, std::string>> services;
  ForEachItem(map, "services", [&](const YAML::Node& item, const std::string& name) {
    auto service = ParseService(item, name, errors);
    if (!service) return;
    if (!service->name.empty() && !services.insert({service->ns, service->name}).second) {
      errors.Add(item,
                 Quoted(name) + ": \"" + service->ns + "/" + service->name + "\" is defined twice");
    }
    scenario.services.push_back(std::move(*service));
  });
  ForEachItem(map, "timeline", [&](const YAML::Node& item, const std::string& name) {
    auto parsed = ParseTimelineEntry(item, name, errors);
    if (!parsed) return;
    const WorkloadRef& ref = parsed->entry.workload;
    if (!ref.name.empty() && !workloads.contains({ref.kind, ref.ns, ref.name})) {
      errors.Add(parsed->workload_mark, Quoted(parsed->workload_key) + ": " +
                                            TypeOf(ref.kind).singular + " \"" + ref.ns + "/" +
                                            ref.name + "\" is not declared in the scenario");
    }
    scenario.timeline.push_back(std::move(parsed->entry));
  });
  ForEachItem(map, "podDisruptionBudgets", [&](const YAML::Node& item, const std::string& name) {
    if (auto pdb = ParsePdb(item, name, errors)) scenario.pdbs.push_back(std::move(*pdb));
  });
  ForEachItem(map, "faults", [&](const YAML::Node& item, const std::string& name) {
    if (auto fault = ParseFault(item, name, errors)) scenario.faults.push_back(std::move(*fault));
  });
  return Finish(std::move(scenario), errors);
}

}  // namespace

ScenarioResult LoadScenario(const std::string& path) {
  YamlErrors errors(path);
  std::optional<YAML::Node> root = common::LoadYamlFile(path, errors);
  if (!errors.empty()) return Finish(Scenario(), errors);
  return ParseRoot(root, errors);
}

ScenarioResult ParseScenario(const std::string& text, const std::string& file) {
  YamlErrors errors(file);
  std::optional<YAML::Node> root = common::ParseYaml(text, errors);
  if (!errors.empty()) return Finish(Scenario(), errors);
  return ParseRoot(root, errors);
}

}  // namespace rebound::kubesim
