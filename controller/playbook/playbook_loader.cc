#include "controller/playbook/playbook_loader.h"

#include <glob.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "common/duration.h"
#include "controller/promql/prometheus_api.h"

namespace rebound::controller::playbook {
namespace {

using common::StrictMap;
using common::YamlErrors;

constexpr std::string_view kApiVersion = "rebound.io/v1";
constexpr std::string_view kExperimentKind = "ChaosExperiment";

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A template from `key` of `map`; adds the parse error at the value.
std::optional<templates::Template> TemplateAt(const StrictMap& map, std::string_view key) {
  std::optional<std::string> text = map.String(key);
  if (!text) return std::nullopt;
  common::Result<templates::Template> parsed = templates::Template::Parse(*text);
  if (!parsed.ok()) {
    map.errors().Add(*map.Find(key), Quote(map.Qualified(key)) + ": " + parsed.status().message());
    return std::nullopt;
  }
  return std::move(*parsed);
}

// The matchers of spec.match, each reported at its own item.
std::optional<common::Matchers> ReadMatchers(const StrictMap& spec) {
  if (!spec.Require("match")) return std::nullopt;
  YAML::Node list = *spec.Find("match");
  if (!list.IsSequence() || list.size() == 0) {
    spec.errors().Add(list, "\"spec.match\": expected a non-empty list of matchers such as "
                            "'alertname = \"KubePodCrashLooping\"', got " +
                                common::DescribeYaml(list));
    return std::nullopt;
  }
  std::vector<common::Matcher> matchers;
  bool ok = true;
  for (const YAML::Node& item : list) {
    std::optional<std::string> text = common::YamlString(item, "spec.match", spec.errors());
    if (!text) {
      ok = false;
      continue;
    }
    common::Result<common::Matcher> matcher = common::Matcher::Parse(*text);
    if (!matcher.ok()) {
      spec.errors().Add(item, "bad matcher " + Quote(*text) + ": " + matcher.status().message() +
                                  " (Alertmanager syntax: name = \"value\", with =, !=, =~ or !~)");
      ok = false;
      continue;
    }
    matchers.push_back(std::move(*matcher));
  }
  if (!ok) return std::nullopt;
  return common::Matchers(std::move(matchers));
}

std::optional<TargetSpec> ReadTarget(const StrictMap& spec) {
  if (!spec.Require("target")) return std::nullopt;
  StrictMap map = spec.Child("target", {"kind", "namespace", "name"});
  // Each Require reports its own missing key: all three run.
  const bool has_kind = map.Require("kind");
  const bool has_ns = map.Require("namespace");
  const bool has_name = map.Require("name");
  const bool present = has_kind && has_ns && has_name;
  std::optional<std::string> kind = map.Enum("kind", {"Deployment", "StatefulSet", "Pod"});
  std::optional<templates::Template> ns = TemplateAt(map, "namespace");
  std::optional<templates::Template> name = TemplateAt(map, "name");
  if (!present || !kind || !ns || !name) return std::nullopt;
  TargetSpec target;
  target.kind = *kind;
  target.ns = std::move(*ns);
  target.name = std::move(*name);
  return target;
}

std::optional<Verify> ReadVerify(const StrictMap& step) {
  Verify verify;
  if (!step.Has("verify")) return verify;
  StrictMap map = step.Child("verify", {"within", "resolved", "query"});
  bool ok = true;
  if (map.Has("within")) {
    std::optional<std::chrono::milliseconds> within =
        map.Duration("within", std::chrono::seconds(1));
    ok &= within.has_value();
    if (within) verify.within = *within;
  }
  if (map.Has("resolved")) {
    std::optional<bool> resolved = map.Bool("resolved");
    ok &= resolved.has_value();
    if (resolved) verify.resolved = *resolved;
  }
  if (map.Has("query")) {
    verify.query = TemplateAt(map, "query");
    ok &= verify.query.has_value();
  }
  if (!ok) return std::nullopt;
  return verify;
}

std::optional<Step> ReadStep(const YAML::Node& node, size_t index,
                             const actions::ActionRegistry& registry, YamlErrors& errors) {
  std::string where = "spec.steps[" + std::to_string(index) + "]";
  if (!node.IsMap()) {
    errors.Add(node, Quote(where) + ": expected a mapping with an \"action\", got " +
                         common::DescribeYaml(node));
    return std::nullopt;
  }
  YAML::Node action_node = node["action"];
  if (!action_node || action_node.IsNull()) {
    errors.Add(node, Quote(where + ".action") + " is required (one of: " +
                         [&] {
                           std::string names;
                           for (const std::string& n : registry.Names()) {
                             names += (names.empty() ? "" : ", ") + n;
                           }
                           return names;
                         }() +
                         ")");
    return std::nullopt;
  }
  std::optional<std::string> action = common::YamlString(action_node, where + ".action", errors);
  if (!action) return std::nullopt;
  const actions::ActionFactory* factory = registry.Find(*action);
  if (factory == nullptr) {
    std::string hint = common::ClosestMatch(*action, registry.Names());
    errors.Add(action_node, "unknown action " + Quote(*action) +
                                (hint.empty() ? "" : " (did you mean " + Quote(hint) + "?)"));
    return std::nullopt;
  }
  std::vector<std::string> keys = factory->Keys();
  keys.push_back("action");
  keys.push_back("verify");
  size_t errors_before = errors.size();
  StrictMap map(node, where, keys, errors);
  std::optional<Verify> verify = ReadVerify(map);
  std::unique_ptr<actions::Action> impl = factory->Create(map);
  if (!verify || impl == nullptr || errors.size() != errors_before) return std::nullopt;
  Step step;
  step.action = *action;
  step.impl = std::move(impl);
  step.traits = factory->Traits();
  step.verify = std::move(*verify);
  step.line = node.Mark().line + 1;
  return step;
}

std::optional<GuardrailOverrides> ReadGuardrails(const StrictMap& spec) {
  GuardrailOverrides out;
  if (!spec.Has("guardrails")) return out;
  StrictMap map = spec.Child(
      "guardrails", {"cooldown", "maxPerHour", "maxPods", "maxPercent", "minReplicas"});
  size_t errors_before = map.errors().size();
  if (map.Has("cooldown")) out.cooldown = map.Duration("cooldown", std::chrono::milliseconds(0));
  auto int_field = [&](std::string_view key, int64_t min, int64_t max) -> std::optional<int> {
    if (!map.Has(key)) return std::nullopt;
    std::optional<int64_t> value = map.Int(key, min, max);
    if (!value) return std::nullopt;
    return static_cast<int>(*value);
  };
  out.max_per_hour = int_field("maxPerHour", 0, 100000);
  out.max_pods = int_field("maxPods", 1, 100000);
  out.max_percent = int_field("maxPercent", 1, 100);
  out.min_replicas = int_field("minReplicas", 0, 100000);
  if (map.errors().size() != errors_before) return std::nullopt;
  return out;
}

void ReadSignals(const StrictMap& gate_map, AnomalyGateSpec& gate) {
  const YAML::Node node = *gate_map.Find("signals");
  const std::string where = gate_map.Qualified("signals");
  YamlErrors& errors = gate_map.errors();
  if (!node.IsMap() || node.size() == 0) {
    errors.Add(node, Quote(where) +
                         ": expected a mapping of signal names to PromQL queries, such as "
                         "memory: 'sum(container_memory_working_set_bytes{...})', got " +
                         common::DescribeYaml(node));
    return;
  }
  if (node.size() > static_cast<size_t>(rebound::anomaly::kMaxSignals)) {
    errors.Add(node, Quote(where) + " has " + std::to_string(node.size()) +
                         " signals; the anomaly scorer takes at most " +
                         std::to_string(rebound::anomaly::kMaxSignals));
  }
  std::set<std::string> names;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // copies: it-> yields temporaries
    const YAML::Node value = it->second;
    if (!key.IsScalar() || key.Scalar().empty()) {
      errors.Add(key, Quote(where) + ": a signal's name is a non-empty string");
      continue;
    }
    const std::string& name = key.Scalar();
    if (!names.insert(name).second) {
      errors.Add(key, Quote(where) + ": signal " + Quote(name) + " is given twice");
      continue;
    }
    std::optional<std::string> text = common::YamlString(value, where + "." + name, errors);
    if (!text) continue;
    common::Result<templates::Template> query = templates::Template::Parse(*text);
    if (text->empty() || !query.ok()) {
      errors.Add(value, Quote(where + "." + name) + ": " +
                            (query.ok() ? "expected a PromQL query" : query.status().message()));
      continue;
    }
    gate.signals.push_back({name, std::move(*query)});
  }
}

std::optional<double> ReadAbove(const StrictMap& gate_map) {
  const YAML::Node node = *gate_map.Find("above");
  double value = 0;
  bool ok = node.IsScalar() && node.Tag() != "!";
  if (ok) {
    const std::string& text = node.Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ec == std::errc() && end == text.data() + text.size() && value > 0 && value < 1;
  }
  if (!ok) {
    gate_map.errors().Add(node, Quote(gate_map.Qualified("above")) +
                                    ": expected a score between 0 and 1 (both excluded), such "
                                    "as 0.99, got " +
                                    common::DescribeYaml(node));
    return std::nullopt;
  }
  return value;
}

// The number of points lookback/step gives must be one Prometheus answers and one the scorer
// can learn from before it scores.
void CheckPoints(const StrictMap& gate_map, const AnomalyGateSpec& gate) {
  const int64_t points = gate.lookback / *gate.step + 1;
  const int64_t warmup = rebound::anomaly::ScorerOptions().warmup;
  if (points <= promql::kMaxRangeQueryPoints && points >= warmup) return;
  const YAML::Node at = gate_map.Find("lookback").value_or(*gate_map.Find("step"));
  const std::string what = "lookback " + common::FormatDuration(gate.lookback) + " at step " +
                           common::FormatDuration(*gate.step) + " gives " +
                           std::to_string(points) + " points per signal";
  gate_map.errors().Add(
      at, Quote(gate_map.name()) + ": " + what +
              (points > promql::kMaxRangeQueryPoints
                   ? "; Prometheus answers at most " +
                         std::to_string(promql::kMaxRangeQueryPoints) +
                         ": lengthen step or shorten lookback"
                   : ", fewer than the " + std::to_string(warmup) +
                         " the anomaly scorer learns from before it scores: lengthen lookback "
                         "or shorten step"));
}

// spec.when.anomaly; nullopt when absent, and when invalid (after adding the errors).
std::optional<AnomalyGateSpec> ReadAnomalyGate(const StrictMap& spec) {
  if (!spec.Has("when")) return std::nullopt;
  StrictMap when = spec.Child("when", {"anomaly"});
  if (!when.Require("anomaly")) return std::nullopt;
  StrictMap map =
      when.Child("anomaly", {"signals", "lookback", "step", "above", "onMissingData"});
  const size_t errors_before = map.errors().size();
  AnomalyGateSpec gate;
  if (map.Require("signals")) ReadSignals(map, gate);
  if (map.Require("above")) gate.above = ReadAbove(map).value_or(0);
  bool range_ok = true;
  if (map.Has("lookback")) {
    std::optional<std::chrono::milliseconds> lookback =
        map.Duration("lookback", std::chrono::seconds(1));
    range_ok = lookback.has_value();
    gate.lookback = lookback.value_or(gate.lookback);
  }
  if (map.Has("step")) {
    gate.step = map.Duration("step", std::chrono::seconds(1));
    range_ok &= gate.step.has_value();
  }
  if (std::optional<std::string> on_missing = map.Enum("onMissingData", {"act", "skip"})) {
    gate.on_missing_data =
        *on_missing == "act" ? anomaly::OnMissingData::kAct : anomaly::OnMissingData::kSkip;
  }
  if (range_ok && gate.step) CheckPoints(map, gate);
  if (map.errors().size() != errors_before) return std::nullopt;
  return gate;
}

// Labels the matchers require to be empty: `x=""` (or a regex matcher that accepts nothing but
// the empty string, which is checked by trying a few non-empty values).
std::set<std::string> LabelsThatMustBeEmpty(const common::Matchers& matchers) {
  std::set<std::string> out;
  for (const common::Matcher& m : matchers.matchers()) {
    bool accepts_non_empty = false;
    for (std::string_view probe : {"x", "0", "web", "kube-system", "a-b_c.d/e"}) {
      accepts_non_empty |= m.Matches(probe);
    }
    if (m.MatchesEmpty() && !accepts_non_empty &&
        (m.type() == common::MatchType::kEqual || m.type() == common::MatchType::kNotRegexp)) {
      out.insert(m.name());
    }
  }
  return out;
}

// The field of `step` whose value is the text of `t` and its qualified name, so that a problem
// is reported at the field; the step itself when no field holds the text as written.
std::pair<YAML::Node, std::string> FieldOf(const YAML::Node& step, const std::string& where,
                                           const templates::Template& t) {
  for (auto it = step.begin(); it != step.end(); ++it) {
    if (it->second.IsScalar() && it->second.Scalar() == t.text()) {
      return {it->second, where + "." + it->first.Scalar()};
    }
  }
  return {step, where};
}

// Checks the variables of every template against what the playbook can know: labels its
// matchers make impossible, and `target` inside the target's own definition.
void CheckVariables(const Playbook& playbook, const YAML::Node& spec_node, YamlErrors& errors) {
  std::set<std::string> empty_labels = LabelsThatMustBeEmpty(playbook.matchers);
  auto check = [&](const templates::Template& t, const YAML::Node& at, std::string_view field,
                   bool in_target) {
    for (const std::string& variable : t.variables()) {
      if (variable.starts_with("labels.") && empty_labels.contains(variable.substr(7))) {
        errors.Add(at, Quote(field) + " uses " + Quote(variable) +
                           ", but spec.match requires that label to be absent, so the template "
                           "could never be filled");
      }
      if (in_target && variable.starts_with("target")) {
        errors.Add(at, Quote(field) + " uses " + Quote(variable) +
                           ", which is what this field defines; use labels.* or annotations.*");
      }
    }
  };
  YAML::Node target = spec_node["target"];
  check(playbook.target.ns, target["namespace"], "spec.target.namespace", true);
  check(playbook.target.name, target["name"], "spec.target.name", true);
  const YAML::Node steps = spec_node["steps"];
  for (size_t i = 0; i < playbook.steps.size(); ++i) {
    const Step& step = playbook.steps[i];
    const YAML::Node step_node = steps[i];
    std::string where = "spec.steps[" + std::to_string(i) + "]";
    for (const templates::Template* t : step.impl->Templates()) {
      auto [field_node, field] = FieldOf(step_node, where, *t);
      check(*t, field_node, field, false);
    }
    if (step.verify.query) {
      check(*step.verify.query, step_node["verify"]["query"], where + ".verify.query", false);
    }
  }
  if (playbook.anomaly_gate) {
    const YAML::Node signals = spec_node["when"]["anomaly"]["signals"];
    for (const AnomalyGateSpec::Signal& signal : playbook.anomaly_gate->signals) {
      check(signal.query, signals[signal.name], "spec.when.anomaly.signals." + signal.name, false);
    }
  }
}

std::optional<Playbook> ReadPlaybook(const YAML::Node& doc, const actions::ActionRegistry& registry,
                                     YamlErrors& errors) {
  size_t errors_before = errors.size();
  StrictMap top(doc, "", {"apiVersion", "kind", "metadata", "spec"}, errors);
  if (!top.is_map()) return std::nullopt;
  for (std::string_view key : {"apiVersion", "kind", "metadata", "spec"}) top.Require(key);
  if (std::optional<std::string> version = top.String("apiVersion");
      version && *version != kApiVersion) {
    errors.Add(*top.Find("apiVersion"), "unsupported apiVersion " + Quote(*version) +
                                            " (expected " + Quote(kApiVersion) + ")");
  }
  if (std::optional<std::string> kind = top.String("kind"); kind && *kind != "Playbook") {
    errors.Add(*top.Find("kind"), "unsupported kind " + Quote(*kind) +
                                      " (expected \"Playbook\" or " + Quote(kExperimentKind) +
                                      ")");
  }
  StrictMap metadata = top.Child("metadata", {"name", "labels", "annotations"});
  if (top.Has("metadata")) metadata.Require("name");
  std::optional<std::string> name = metadata.String("name");
  // The spec is checked even when the header is incomplete, so that every problem is reported
  // at once; the errors above still leave the playbook out.
  if (!top.Has("spec")) return std::nullopt;

  StrictMap spec = top.Child("spec", {"match", "continue", "target", "when", "steps",
                                      "guardrails", "dryRun"});
  Playbook playbook;
  playbook.name = name.value_or("");
  playbook.source = errors.file() + ":" + std::to_string(doc.Mark().line + 1);
  std::optional<common::Matchers> matchers = ReadMatchers(spec);
  std::optional<TargetSpec> target = ReadTarget(spec);
  std::optional<GuardrailOverrides> guardrails = ReadGuardrails(spec);
  playbook.anomaly_gate = ReadAnomalyGate(spec);
  playbook.continue_matching = spec.Bool("continue").value_or(false);
  playbook.dry_run = spec.Bool("dryRun").value_or(false);
  if (spec.Require("steps")) {
    YAML::Node steps = *spec.Find("steps");
    if (!steps.IsSequence() || steps.size() == 0) {
      errors.Add(steps, "\"spec.steps\": expected a non-empty list of steps, got " +
                            common::DescribeYaml(steps));
    } else {
      for (size_t i = 0; i < steps.size(); ++i) {
        if (std::optional<Step> step = ReadStep(steps[i], i, registry, errors)) {
          playbook.steps.push_back(std::move(*step));
        }
      }
    }
  }
  if (errors.size() != errors_before || !matchers || !target || !guardrails) return std::nullopt;
  playbook.matchers = std::move(*matchers);
  playbook.target = std::move(*target);
  playbook.guardrails = *guardrails;
  CheckVariables(playbook, *top.Find("spec"), errors);
  if (errors.size() != errors_before) return std::nullopt;
  return playbook;
}

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

void ParsePlaybookDocuments(const std::vector<YAML::Node>& documents,
                            const actions::ActionRegistry& registry, PlaybookSet& set,
                            YamlErrors& errors) {
  for (const YAML::Node& doc : documents) {
    const YAML::Node kind = doc.IsMap() ? doc["kind"] : YAML::Node();
    if (kind.IsDefined() && kind.IsScalar() && kind.Scalar() == kExperimentKind) {
      set.experiments.push_back({errors.file(), doc});
      continue;
    }
    std::optional<Playbook> playbook = ReadPlaybook(doc, registry, errors);
    if (!playbook) continue;
    auto same_name = std::find_if(set.playbooks.begin(), set.playbooks.end(),
                                  [&](const auto& p) { return p->name == playbook->name; });
    if (same_name != set.playbooks.end()) {
      errors.Add(doc["metadata"]["name"], "playbook " + Quote(playbook->name) +
                                              " is already defined at " + (*same_name)->source +
                                              "; names must be unique");
      continue;
    }
    set.playbooks.push_back(std::make_shared<const Playbook>(std::move(*playbook)));
  }
}

LoadedPlaybooks LoadPlaybooks(const std::vector<std::string>& patterns,
                              const std::string& base_dir,
                              const actions::ActionRegistry& registry) {
  LoadedPlaybooks out;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    std::filesystem::path full = std::filesystem::path(pattern).is_absolute()
                                     ? std::filesystem::path(pattern)
                                     : std::filesystem::path(base_dir) / pattern;
    std::vector<std::string> files;
    glob_t matches{};
    int rc = ::glob(full.c_str(), GLOB_ERR, nullptr, &matches);
    if (rc == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    }
    globfree(&matches);
    if (files.empty() && !HasWildcard(pattern)) {
      common::YamlError error;
      error.file = full.string();
      error.message = "cannot read file: no such file (from the playbooks pattern " +
                      Quote(pattern) + ")";
      out.errors.push_back(std::move(error));
      continue;
    }
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
      if (!seen.insert(file).second) continue;
      YamlErrors errors(file);
      if (std::optional<std::vector<YAML::Node>> docs = common::LoadYamlDocuments(file, errors)) {
        ParsePlaybookDocuments(*docs, registry, out.set, errors);
      }
      out.set.files.push_back(file);
      for (common::YamlError& e : errors.Sorted()) out.errors.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace rebound::controller::playbook
