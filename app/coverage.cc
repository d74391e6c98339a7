#include "app/coverage.h"

#include <algorithm>
#include <utility>

#include "common/http_server.h"
#include "controller/actions/action.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/playbook/playbook_loader.h"

namespace rebound::app {
namespace {

using controller::playbook::Playbook;
using Playbooks = std::vector<std::shared_ptr<const Playbook>>;

// Keys of Prometheus' rule file format (rulefmt), so that a typo is reported, not skipped.
const std::vector<std::string> kGroupKeys = {"name",  "interval", "limit",
                                             "rules", "labels",   "query_offset"};
const std::vector<std::string> kRuleKeys = {"alert",  "record",      "expr",           "for",
                                            "labels", "annotations", "keep_firing_for"};

// Reads a `labels:` mapping of name to value into `rule`.
void ReadLabels(const YAML::Node& node, const std::string& where, AlertRule& rule,
                common::YamlErrors& errors) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    errors.Add(node, "\"" + where + "\": expected a mapping of label names to values, got " +
                         common::DescribeYaml(node));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::optional<std::string> name = common::YamlString(it->first, where, errors);
    std::optional<std::string> value = common::YamlString(it->second, where, errors);
    if (!name || !value) continue;
    if (!common::IsValidLabelName(*name)) {
      errors.Add(it->first, "\"" + where + "\": \"" + *name + "\" is not a label name");
      continue;
    }
    if (value->find("{{") != std::string::npos) {
      rule.static_labels.erase(*name);
      rule.templated_labels.insert(*name);
    } else {
      rule.templated_labels.erase(*name);
      rule.static_labels[*name] = *value;
    }
  }
}

std::string LastProvenText(const PlaybookCoverage& p) {
  if (!p.daemon) return "unknown (daemon not reachable)";
  if (!p.daemon->last_proven) return "never";
  std::string text = *p.daemon->last_proven;
  if (p.daemon->last_recovery_seconds) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", *p.daemon->last_recovery_seconds);
    text += " (recovered in " + std::string(seconds) + "s)";
  }
  return text;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::string Where(const AlertRule& rule) {
  return rule.file + ":" + std::to_string(rule.line) + ":" + std::to_string(rule.column);
}

std::string LabelsText(const AlertRule& rule) {
  std::string out;
  for (const auto& [name, value] : rule.static_labels) {
    if (name == "alertname") continue;
    out += (out.empty() ? "" : ",") + name + "=\"" + value + "\"";
  }
  return "{" + out + "}";
}

}  // namespace

std::vector<AlertRule> LoadAlertRules(const std::string& file, common::YamlErrors& errors) {
  std::vector<AlertRule> rules;
  std::optional<YAML::Node> root = common::LoadYamlFile(file, errors);
  if (!root) return rules;
  common::StrictMap top(*root, "", {"groups"}, errors);
  if (!top.is_map() || !top.Require("groups")) return rules;
  const YAML::Node groups = *top.Find("groups");
  if (!groups.IsSequence()) {
    errors.Add(groups,
               "\"groups\": expected a list of rule groups, got " + common::DescribeYaml(groups));
    return rules;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string group_name = "groups[" + std::to_string(g) + "]";
    common::StrictMap group(groups[g], group_name, kGroupKeys, errors);
    if (!group.is_map()) continue;
    group.Require("name");
    AlertRule group_labels;
    if (auto labels = group.Find("labels")) {
      ReadLabels(*labels, group.Qualified("labels"), group_labels, errors);
    }
    std::optional<YAML::Node> list = group.Find("rules");
    if (!list) continue;
    if (!list->IsSequence()) {
      errors.Add(*list, "\"" + group.Qualified("rules") + "\": expected a list of rules, got " +
                            common::DescribeYaml(*list));
      continue;
    }
    for (size_t r = 0; r < list->size(); ++r) {
      const YAML::Node node = (*list)[r];
      common::StrictMap rule_map(node, group.Qualified("rules") + "[" + std::to_string(r) + "]",
                                 kRuleKeys, errors);
      if (!rule_map.is_map()) continue;
      const bool alert = rule_map.Has("alert");
      if (alert == rule_map.Has("record")) {
        errors.Add(rule_map.mark(), "\"" + rule_map.name() +
                                        "\": a rule needs exactly one of \"alert\" and \"record\"");
        continue;
      }
      rule_map.Require("expr");
      if (!alert) continue;
      std::optional<std::string> name = rule_map.String("alert");
      if (!name) continue;
      AlertRule rule = group_labels;
      rule.alert = *name;
      rule.file = file;
      rule.line = node.Mark().line + 1;
      rule.column = node.Mark().column + 1;
      if (auto labels = rule_map.Find("labels")) {
        ReadLabels(*labels, rule_map.Qualified("labels"), rule, errors);
      }
      // Prometheus sets alertname last: a rule label cannot override it.
      rule.templated_labels.erase("alertname");
      rule.static_labels["alertname"] = rule.alert;
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

std::vector<PlaybookMatch> MatchPlaybooks(const AlertRule& rule, const Playbooks& playbooks) {
  std::vector<PlaybookMatch> found;
  for (const auto& playbook : playbooks) {
    PlaybookMatch match{playbook->name, {}};
    bool excluded = false;
    for (const common::Matcher& matcher : playbook->matchers.matchers()) {
      auto label = rule.static_labels.find(matcher.name());
      if (label == rule.static_labels.end()) {
        match.depends_on.push_back(matcher.ToString());
      } else if (!matcher.Matches(label->second)) {
        excluded = true;
        break;
      }
    }
    if (excluded) continue;
    const bool stops = match.certain() && !playbook->continue_matching;
    found.push_back(std::move(match));
    if (stops) break;
  }
  return found;
}

common::Result<DaemonCoverage> ParseDaemonCoverage(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return common::InvalidArgument("the answer is not JSON");
  if (!json.is_object() || !json.contains("playbooks") || !json["playbooks"].is_array()) {
    return common::InvalidArgument("the answer has no \"playbooks\" list");
  }
  DaemonCoverage coverage;
  for (const nlohmann::json& item : json["playbooks"]) {
    if (!item.is_object() || !item.contains("playbook") || !item["playbook"].is_string()) {
      return common::InvalidArgument("a \"playbooks\" item has no \"playbook\" name");
    }
    const std::string name = item["playbook"].get<std::string>();
    ProvenState state;
    const nlohmann::json last = item.value("last_proven", nlohmann::json());
    if (last.is_string()) {
      state.last_proven = last.get<std::string>();
    } else if (!last.is_null()) {
      return common::InvalidArgument("\"last_proven\" of " + name + " is neither a time nor null");
    }
    const nlohmann::json recovery = item.value("last_recovery_seconds", nlohmann::json());
    if (recovery.is_number()) {
      state.last_recovery_seconds = recovery.get<double>();
    } else if (!recovery.is_null()) {
      return common::InvalidArgument("\"last_recovery_seconds\" of " + name +
                                     " is neither a number nor null");
    }
    const nlohmann::json experiments = item.value("experiments", nlohmann::json::array());
    if (!experiments.is_array()) {
      return common::InvalidArgument("\"experiments\" of " + name + " is not a list");
    }
    for (const nlohmann::json& e : experiments) {
      if (!e.is_string()) {
        return common::InvalidArgument("\"experiments\" of " + name + " holds a non-string");
      }
      state.experiments.push_back(e.get<std::string>());
    }
    coverage[name] = std::move(state);
  }
  return coverage;
}

common::Result<std::string> DaemonBaseUrl(std::string_view listen, bool tls) {
  common::Result<std::pair<std::string, int>> address = common::ParseListenAddress(listen);
  if (!address.ok()) return address.status();
  std::string host = address->first == "0.0.0.0" ? "127.0.0.1" : address->first;
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(address->second);
}

common::Result<DaemonCoverage> FetchDaemonCoverage(common::HttpClient& http,
                                                   const std::string& base_url,
                                                   const common::TlsClientOptions& tls,
                                                   std::chrono::milliseconds timeout) {
  common::HttpClientRequest request;
  request.url = base_url + "/api/v1/coverage";
  request.timeout = timeout;
  request.tls = tls;
  request.headers.emplace_back("Accept", "application/json");
  common::Result<common::HttpClientResponse> response = http.Send(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return common::Internal("GET " + request.url + " answered " + std::to_string(response->status));
  }
  return ParseDaemonCoverage(response->body);
}

std::vector<const AlertRule*> CoverageReport::UnhealedAlerts() const {
  std::vector<const AlertRule*> found;
  for (const AlertCoverage& a : alerts) {
    if (a.playbooks.empty()) found.push_back(&a.rule);
  }
  return found;
}

std::vector<std::string> CoverageReport::UnprovenPlaybooks() const {
  std::vector<std::string> found;
  for (const PlaybookCoverage& p : playbooks) {
    if (p.experiments.empty()) found.push_back(p.playbook);
  }
  return found;
}

CoverageReport AnalyzeCoverage(
    std::vector<AlertRule> rules, const Playbooks& playbooks,
    const std::vector<std::shared_ptr<const controller::chaos::Experiment>>& experiments,
    std::string daemon_url, const common::Result<DaemonCoverage>& daemon) {
  CoverageReport report;
  report.daemon_url = std::move(daemon_url);
  if (!daemon.ok()) report.daemon_error = daemon.status().message();
  for (AlertRule& rule : rules) {
    std::vector<PlaybookMatch> matches = MatchPlaybooks(rule, playbooks);
    report.alerts.push_back({std::move(rule), std::move(matches)});
  }
  for (const auto& playbook : playbooks) {
    PlaybookCoverage p{playbook->name, {}, std::nullopt};
    for (const auto& experiment : experiments) {
      if (experiment->expect_healing == playbook->name) p.experiments.push_back(experiment->name);
    }
    if (daemon.ok()) {
      auto state = daemon->find(playbook->name);
      p.daemon = state != daemon->end() ? state->second : ProvenState{};
    }
    report.playbooks.push_back(std::move(p));
  }
  return report;
}

void PrintCoverage(const CoverageReport& report, std::ostream& out) {
  std::map<std::string, const PlaybookCoverage*> by_name;
  for (const PlaybookCoverage& p : report.playbooks) by_name[p.playbook] = &p;
  out << "Daemon " << report.daemon_url << ": "
      << (report.daemon_error.empty() ? "answered" : "not reachable (" + report.daemon_error + ")")
      << "\n\n";
  for (const AlertCoverage& a : report.alerts) {
    out << a.rule.alert << " " << LabelsText(a.rule) << "  " << Where(a.rule) << "\n";
    if (a.playbooks.empty()) out << "  healed by: no playbook\n";
    for (const PlaybookMatch& m : a.playbooks) {
      out << "  " << (m.certain() ? "healed by " : "may be healed by ") << m.playbook;
      if (!m.certain()) {
        out << " (if the alert's labels from the expression satisfy " << Join(m.depends_on, ", ")
            << ")";
      }
      out << "\n";
      const PlaybookCoverage& p = *by_name.at(m.playbook);
      out << "    proven by: "
          << (p.experiments.empty() ? "no experiment" : Join(p.experiments, ", ")) << "\n";
      out << "    last proven: " << LastProvenText(p) << "\n";
    }
  }
  out << "\nPlaybooks:\n";
  for (const PlaybookCoverage& p : report.playbooks) {
    out << "  " << p.playbook << ": "
        << (p.experiments.empty() ? "no experiment" : "proven by " + Join(p.experiments, ", "))
        << "; last proven: " << LastProvenText(p) << "\n";
  }
  const std::vector<const AlertRule*> unhealed = report.UnhealedAlerts();
  const std::vector<std::string> unproven = report.UnprovenPlaybooks();
  out << "\nGaps:\n";
  out << "  alerts no playbook heals (" << unhealed.size() << ")" << (unhealed.empty() ? "" : ":")
      << "\n";
  for (const AlertRule* rule : unhealed) {
    out << "    " << rule->alert << " " << LabelsText(*rule) << "  " << Where(*rule) << "\n";
  }
  out << "  playbooks no experiment proves (" << unproven.size() << ")"
      << (unproven.empty() ? "" : ":") << "\n";
  for (const std::string& name : unproven) out << "    " << name << "\n";
}

nlohmann::json CoverageJson(const CoverageReport& report) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const AlertCoverage& a : report.alerts) {
    nlohmann::json matches = nlohmann::json::array();
    for (const PlaybookMatch& m : a.playbooks) {
      matches.push_back({{"playbook", m.playbook},
                         {"match", m.certain() ? "matches" : "may_match"},
                         {"depends_on", m.depends_on}});
    }
    alerts.push_back({{"alert", a.rule.alert},
                      {"file", a.rule.file},
                      {"line", a.rule.line},
                      {"column", a.rule.column},
                      {"labels", a.rule.static_labels},
                      {"playbooks", matches}});
  }
  nlohmann::json playbooks = nlohmann::json::array();
  for (const PlaybookCoverage& p : report.playbooks) {
    nlohmann::json item = {{"playbook", p.playbook}, {"experiments", p.experiments}};
    item["known"] = p.daemon.has_value();
    item["last_proven"] = p.daemon && p.daemon->last_proven ? nlohmann::json(*p.daemon->last_proven)
                                                            : nlohmann::json();
    item["last_recovery_seconds"] = p.daemon && p.daemon->last_recovery_seconds
                                        ? nlohmann::json(*p.daemon->last_recovery_seconds)
                                        : nlohmann::json();
    playbooks.push_back(std::move(item));
  }
  nlohmann::json unhealed = nlohmann::json::array();
  for (const AlertRule* rule : report.UnhealedAlerts()) {
    unhealed.push_back({{"alert", rule->alert}, {"file", rule->file}, {"line", rule->line}});
  }
  return {{"daemon",
           {{"url", report.daemon_url},
            {"reachable", report.daemon_error.empty()},
            {"error", report.daemon_error}}},
          {"alerts", alerts},
          {"playbooks", playbooks},
          {"gaps",
           {{"unhealed_alerts", unhealed}, {"unproven_playbooks", report.UnprovenPlaybooks()}}}};
}

int RunCoverage(const CoverageOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<AlertRule> rules;
  std::vector<common::YamlError> errors;
  for (const std::string& file : options.rule_files) {
    common::YamlErrors file_errors(file);
    std::vector<AlertRule> loaded = LoadAlertRules(file, file_errors);
    std::vector<common::YamlError> sorted = file_errors.Sorted();
    errors.insert(errors.end(), sorted.begin(), sorted.end());
    std::move(loaded.begin(), loaded.end(), std::back_inserter(rules));
  }
  controller::actions::ActionRegistry registry;
  controller::actions::RegisterBuiltinActions(registry);
  controller::playbook::LoadedPlaybooks playbooks =
      controller::playbook::LoadPlaybooks(options.playbook_patterns, "", registry);
  errors.insert(errors.end(), playbooks.errors.begin(), playbooks.errors.end());
  controller::chaos::LoadedExperiments experiments;
  if (playbooks.errors.empty()) experiments = controller::chaos::LoadExperiments(playbooks.set);
  errors.insert(errors.end(), experiments.errors.begin(), experiments.errors.end());
  for (const common::YamlError& e : errors) err << e.ToString() << "\n";
  if (!errors.empty()) return 2;

  common::Result<DaemonCoverage> daemon =
      FetchDaemonCoverage(*options.http, options.daemon_url, options.tls, options.timeout);
  CoverageReport report = AnalyzeCoverage(std::move(rules), playbooks.set.playbooks,
                                          experiments.experiments, options.daemon_url, daemon);
  if (options.json) {
    out << CoverageJson(report).dump(2) << "\n";
  } else {
    PrintCoverage(report, out);
  }
  return options.fail_on_gaps && report.HasGaps() ? 1 : 0;
}

}  // namespace rebound::app
