#include "controller/chaos/experiment_loader.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "controller/chaos/label_selector_text.h"
#include "controller/chaos/promql_shape.h"
#include "controller/chaos/schedule_reader.h"

namespace rebound::controller::chaos {
namespace {

using common::StrictMap;
using common::YamlErrors;

constexpr std::string_view kApiVersion = "rebound.io/v1";

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A DNS-1123 subdomain (lower-case letters, digits, '-' and '.', alphanumeric at both ends, at
// most 253): the form of Kubernetes object names, and safe in a URL path.
bool IsDnsName(std::string_view s) {
  if (s.empty() || s.size() > 253 || !std::isalnum(static_cast<unsigned char>(s.front())) ||
      !std::isalnum(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

// metadata.name, or nullopt after adding an error.
std::optional<std::string> ReadName(const StrictMap& metadata, std::string_view what) {
  std::optional<std::string> name = metadata.String("name");
  if (name && !IsDnsName(*name)) {
    metadata.errors().Add(*metadata.Find("name"),
                          Quote(metadata.Qualified("name")) + ": " + Quote(*name) +
                              " is not a valid " + std::string(what) +
                              " name (lower-case letters, digits, '-' and '.', starting and "
                              "ending with a letter or digit)");
    return std::nullopt;
  }
  return name;
}

std::optional<ExperimentTarget> ReadTarget(const StrictMap& spec) {
  if (!spec.Require("target")) return std::nullopt;
  StrictMap map = spec.Child("target", {"kind", "namespace", "selector", "name", "pick"});
  YamlErrors& errors = map.errors();
  const size_t errors_before = errors.size();
  ExperimentTarget target;
  if (map.Require("kind")) {
    if (std::optional<std::string> kind = map.Enum("kind", {"Deployment", "StatefulSet", "Node"})) {
      target.kind = *TargetKindFromName(*kind);
    }
  }
  const bool node = map.Has("kind") && target.kind == TargetKind::kNode;
  if (node && map.Has("namespace")) {
    errors.Add(map.KeyMark("namespace"), "\"spec.target.namespace\": Nodes have no namespace");
  } else if (!node && map.Require("namespace")) {
    std::optional<std::string> ns = map.String("namespace");
    target.ns = ns.value_or("");
    if (ns && !IsDnsName(*ns)) {
      errors.Add(*map.Find("namespace"),
                 "\"spec.target.namespace\": " + Quote(target.ns) + " is not a namespace name");
    }
  }
  if (map.Has("selector") == map.Has("name")) {
    errors.Add(map.Has("name") ? map.KeyMark("name") : map.mark(),
               "\"spec.target\" needs exactly one of \"selector\" (such as app=checkout) or "
               "\"name\"");
  }
  if (std::optional<std::string> selector = map.String("selector")) {
    common::Result<nlohmann::json> parsed = ParseLabelSelector(*selector);
    if (parsed.ok()) {
      target.selector = *selector;
      target.selector_json = std::move(*parsed);
    } else {
      errors.Add(*map.Find("selector"),
                 "bad label selector " + Quote(*selector) + ": " + parsed.status().message());
    }
  }
  if (std::optional<std::string> name = map.String("name")) {
    target.name = *name;
    if (!IsDnsName(*name)) {
      errors.Add(*map.Find("name"),
                 "\"spec.target.name\": " + Quote(*name) + " is not a Kubernetes object name");
    }
  }
  if (std::optional<std::string> pick = map.Enum("pick", {"random", "least-recently-proven"})) {
    target.pick = *PickFromName(*pick);
    if (map.Has("name")) {
      errors.Add(map.KeyMark("pick"),
                 "\"spec.target.pick\" chooses among what the selector "
                 "matches; with \"name\" there is nothing to choose");
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return target;
}

std::vector<std::string> FaultNames() {
  std::vector<std::string> out;
  for (FaultType type : {FaultType::kPodKill, FaultType::kScaleToZero, FaultType::kScaleDown,
                         FaultType::kCordonNode}) {
    out.emplace_back(FaultTypeName(type));
  }
  return out;
}

std::optional<Fault> ReadFault(const StrictMap& spec, bool allow_total_outage,
                               std::optional<TargetKind> target_kind) {
  if (!spec.Require("fault")) return std::nullopt;
  StrictMap map = spec.Child("fault", {"type", "count", "percent"});
  YamlErrors& errors = map.errors();
  const size_t errors_before = errors.size();
  Fault fault;
  if (!map.Require("type")) return std::nullopt;
  std::optional<std::string> type = map.String("type");
  if (!type) return std::nullopt;
  std::optional<FaultType> parsed = FaultTypeFromName(*type);
  if (!parsed) {
    std::vector<std::string> names = FaultNames();
    std::string hint = common::ClosestMatch(*type, names);
    std::string known;
    for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
    errors.Add(*map.Find("type"), "unknown fault " + Quote(*type) +
                                      (hint.empty() ? "" : " (did you mean " + Quote(hint) + "?)") +
                                      "; known: " + known);
    return std::nullopt;
  }
  fault.type = *parsed;
  if (map.Has("count")) {
    std::optional<int64_t> count = map.Int("count", 1, 10000);
    if (count) fault.count = static_cast<int>(*count);
  }
  if (map.Has("percent")) {
    std::optional<int64_t> percent = map.Int("percent", 1, 100);
    if (percent) fault.percent = static_cast<int>(*percent);
  }
  const std::string name = Quote(FaultTypeName(fault.type));
  if (FaultTakesAmount(fault.type)) {
    if (map.Has("count") == map.Has("percent")) {
      errors.Add(map.Has("percent") ? map.KeyMark("percent") : map.mark(),
                 name +
                     " needs exactly one of \"count\" (pods) or \"percent\" (of the ready "
                     "ones)");
    }
    if (fault.percent == 100 && !allow_total_outage) {
      errors.Add(*map.Find("percent"),
                 "percent: 100 takes every pod; set \"spec.allowTotalOutage: true\" if a total "
                 "outage is the claim under test, or lower it");
    }
  } else {
    for (std::string_view key : {"count", "percent"}) {
      if (map.Has(key)) {
        errors.Add(map.KeyMark(key), name + " takes no " + Quote(key));
      }
    }
  }
  if (target_kind == TargetKind::kNode && fault.type != FaultType::kCordonNode) {
    errors.Add(*map.Find("type"), name +
                                      " acts on a workload; a Node target takes only "
                                      "\"cordon-node\"");
  }
  if (errors.size() != errors_before) return std::nullopt;
  return fault;
}

std::optional<std::vector<std::string>> ReadSteadyState(const StrictMap& spec) {
  std::vector<std::string> out;
  if (!spec.Has("steadyState")) return out;
  const YAML::Node list = *spec.Find("steadyState");
  if (!list.IsSequence() || list.size() == 0) {
    spec.errors().Add(list,
                      "\"spec.steadyState\": expected a non-empty list of PromQL queries, "
                      "got " +
                          common::DescribeYaml(list));
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> queries = spec.StringList("steadyState");
  if (!queries) return std::nullopt;
  bool ok = true;
  for (size_t i = 0; i < queries->size(); ++i) {
    common::Status shape = CheckPromqlShape((*queries)[i]);
    if (!shape.ok()) {
      spec.errors().Add(list[i], "\"spec.steadyState[" + std::to_string(i) +
                                     "]\" is not a PromQL query: " + shape.message());
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return queries;
}

std::optional<std::string> ReadExpectHealing(const StrictMap& spec,
                                             const playbook::PlaybookSet& set) {
  if (!spec.Has("expectHealing")) return std::nullopt;
  StrictMap map = spec.Child("expectHealing", {"playbook"});
  if (!map.Require("playbook")) return std::nullopt;
  std::optional<std::string> name = map.String("playbook");
  if (!name) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& p : set.playbooks) {
    if (p->name == *name) return name;
    names.push_back(p->name);
  }
  const std::string hint = common::ClosestMatch(*name, names);
  map.errors().Add(*map.Find("playbook"),
                   "\"spec.expectHealing.playbook\": no playbook named " + Quote(*name) +
                       " is loaded" + (hint.empty() ? "" : " (did you mean " + Quote(hint) + "?)") +
                       "; the playbooks come from the same `playbooks:` files");
  return std::nullopt;
}

std::optional<std::vector<common::Matchers>> ReadAbortIf(const StrictMap& spec) {
  std::vector<common::Matchers> out;
  if (!spec.Has("abortIf")) return out;
  StrictMap map = spec.Child("abortIf", {"firingAlerts"});
  if (!map.Require("firingAlerts")) return std::nullopt;
  const YAML::Node list = *map.Find("firingAlerts");
  if (!list.IsSequence() || list.size() == 0) {
    map.errors().Add(list,
                     "\"spec.abortIf.firingAlerts\": expected a non-empty list of "
                     "Alertmanager matchers such as 'severity=\"critical\"', got " +
                         common::DescribeYaml(list));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "spec.abortIf.firingAlerts[" + std::to_string(i) + "]";
    std::optional<std::string> text = common::YamlString(list[i], where, map.errors());
    if (!text) {
      ok = false;
      continue;
    }
    common::Result<common::Matchers> matchers = common::Matchers::Parse(*text);
    if (!matchers.ok() || matchers->empty()) {
      map.errors().Add(list[i], "bad matcher " + Quote(*text) + " in " + Quote(where) + ": " +
                                    (matchers.ok() ? std::string("no matcher given")
                                                   : matchers.status().message()) +
                                    " (Alertmanager syntax: name = \"value\", with =, !=, =~ or "
                                    "!~; several in one item, comma-separated, must all hold)");
      ok = false;
      continue;
    }
    out.push_back(std::move(*matchers));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::vector<std::string> SpecKeys() {
  std::vector<std::string> keys = {"target",      "fault",         "allowTotalOutage",
                                   "steadyState", "recoverWithin", "expectHealing",
                                   "abortIf",     "dryRun"};
  for (std::string_view key : kScheduleKeys) keys.emplace_back(key);
  return keys;
}

std::optional<Experiment> ReadExperiment(const YAML::Node& doc, const playbook::PlaybookSet& set,
                                         YamlErrors& errors) {
  const size_t errors_before = errors.size();
  StrictMap top(doc, "", {"apiVersion", "kind", "metadata", "spec"}, errors);
  for (std::string_view key : {"apiVersion", "metadata", "spec"}) top.Require(key);
  if (std::optional<std::string> version = top.String("apiVersion");
      version && *version != kApiVersion) {
    errors.Add(*top.Find("apiVersion"), "unsupported apiVersion " + Quote(*version) +
                                            " (expected " + Quote(kApiVersion) + ")");
  }
  StrictMap metadata = top.Child("metadata", {"name", "labels", "annotations"});
  if (top.Has("metadata")) metadata.Require("name");
  std::optional<std::string> name = ReadName(metadata, "experiment");
  if (!top.Has("spec")) return std::nullopt;

  StrictMap spec = top.Child("spec", SpecKeys());
  Experiment experiment;
  experiment.name = name.value_or("");
  experiment.source = errors.file() + ":" + std::to_string(doc.Mark().line + 1);
  std::optional<Schedule> schedule = ReadSchedule(spec);
  std::optional<ExperimentTarget> target = ReadTarget(spec);
  experiment.allow_total_outage = spec.Bool("allowTotalOutage").value_or(false);
  std::optional<Fault> fault =
      ReadFault(spec, experiment.allow_total_outage,
                target ? std::optional<TargetKind>(target->kind) : std::nullopt);
  std::optional<std::vector<std::string>> steady_state = ReadSteadyState(spec);
  if (spec.Require("recoverWithin")) {
    experiment.recover_within =
        spec.Duration("recoverWithin", std::chrono::seconds(1)).value_or(experiment.recover_within);
  }
  experiment.expect_healing = ReadExpectHealing(spec, set);
  std::optional<std::vector<common::Matchers>> abort_if = ReadAbortIf(spec);
  experiment.dry_run = spec.Bool("dryRun").value_or(false);
  if (errors.size() != errors_before || !schedule || !target || !fault || !steady_state ||
      !abort_if) {
    return std::nullopt;
  }
  experiment.schedule = std::move(*schedule);
  experiment.target = std::move(*target);
  experiment.fault = *fault;
  experiment.steady_state = std::move(*steady_state);
  experiment.abort_if_firing = std::move(*abort_if);
  return experiment;
}

}  // namespace

LoadedExperiments LoadExperiments(const playbook::PlaybookSet& set) {
  LoadedExperiments out;
  size_t i = 0;
  while (i < set.experiments.size()) {
    const std::string& file = set.experiments[i].file;
    YamlErrors errors(file);
    for (; i < set.experiments.size() && set.experiments[i].file == file; ++i) {
      const YAML::Node& doc = set.experiments[i].node;
      std::optional<Experiment> experiment = ReadExperiment(doc, set, errors);
      if (!experiment) continue;
      auto same_name = std::find_if(out.experiments.begin(), out.experiments.end(),
                                    [&](const auto& e) { return e->name == experiment->name; });
      if (same_name != out.experiments.end()) {
        errors.Add(doc["metadata"]["name"], "experiment " + Quote(experiment->name) +
                                                " is already defined at " + (*same_name)->source +
                                                "; names must be unique");
        continue;
      }
      out.experiments.push_back(std::make_shared<const Experiment>(std::move(*experiment)));
    }
    for (common::YamlError& e : errors.Sorted()) out.errors.push_back(std::move(e));
  }
  return out;
}

}  // namespace rebound::controller::chaos
