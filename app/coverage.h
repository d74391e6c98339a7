// `rebound coverage -c rebound.yaml RULEFILES...`: what chaos proves (DESIGN.md section 7.3).
//
// For each alerting rule of the Prometheus rule files: the playbooks that would handle the
// alerts it fires, judged from what the rule sets statically (its `labels:`, its group's
// `labels:` and the alert name as `alertname`); the chaos experiments whose
// `expectHealing.playbook` names those playbooks; and when a recovered run last proved each
// playbook, asked of the running daemon (`GET /api/v1/coverage`). Then the gaps: alerts no
// playbook handles, playbooks no experiment proves.
//
// A playbook matcher on a label the rule does not set statically (one the expression carries,
// such as `namespace`, or a templated rule label) cannot be decided here: such a playbook "may
// match", and the report names the matchers it depends on. A rule label is static when its
// value holds no `{{`. Matching follows the daemon's order (controller/playbook/
// playbook_index.h): the first playbook that certainly matches ends the search unless it has
// `continue: true`; one that only may match does not.
//
// The gaps are decided from the files alone (not from the daemon's answer), so that
// `--fail-on-gaps` gives the same verdict in CI as on an operator's machine.
//
// Thread-safety: the functions are reentrant.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"
#include "common/tls_client_options.h"
#include "common/yaml_util.h"
#include "controller/chaos/experiment.h"
#include "controller/playbook/playbook.h"

namespace rebound::app {

// One alerting rule of a Prometheus rule file.
struct AlertRule {
  std::string alert;
  std::string file;
  int line = 0;  // 1-based position of the rule
  int column = 0;
  // The labels every alert of the rule carries with exactly this value: the group's and the
  // rule's `labels:` whose value is not a template, and `alertname`.
  std::map<std::string, std::string> static_labels;
  // Rule labels whose value is a template (decided per alert, like the expression's labels).
  std::set<std::string> templated_labels;
};

// The alerting rules of one rule file (`groups: [{name, rules: [...]}]`), in file order;
// recording rules are skipped. Problems (unreadable file, YAML syntax, wrong shapes, unknown
// keys, a rule with neither or both of `alert` and `record`) go to `errors` with their position.
std::vector<AlertRule> LoadAlertRules(const std::string& file, common::YamlErrors& errors);

// A playbook that handles the alerts of a rule.
struct PlaybookMatch {
  std::string playbook;
  // Empty: the static labels satisfy every matcher. Otherwise the matchers on labels the rule
  // does not set statically (as `name<op>"value"`): the playbook may match, depending on them.
  std::vector<std::string> depends_on;
  bool certain() const { return depends_on.empty(); }
};

// The playbooks (in load order) that would handle the alerts of `rule`.
std::vector<PlaybookMatch> MatchPlaybooks(
    const AlertRule& rule,
    const std::vector<std::shared_ptr<const controller::playbook::Playbook>>& playbooks);

// What the daemon knows about one playbook (GET /api/v1/coverage).
struct ProvenState {
  std::optional<std::string> last_proven;  // RFC 3339; nullopt: never proven
  std::optional<double> last_recovery_seconds;
  std::vector<std::string> experiments;  // the daemon's experiments naming the playbook
};
using DaemonCoverage = std::map<std::string, ProvenState>;  // by playbook

// Parses the body of GET /api/v1/coverage:
// {"playbooks":[{"playbook":"restore-replicas","last_proven":"2026-12-07T10:00:00Z"|null,
//                "last_recovery_seconds":12.5|null,"experiments":["..."]}]}
// InvalidArgument naming what is wrong.
common::Result<DaemonCoverage> ParseDaemonCoverage(std::string_view body);

// The daemon's base URL for a `listen` address: http(s)://HOST:PORT, with 127.0.0.1 for a
// wildcard host (0.0.0.0). InvalidArgument for a listen address the daemon would refuse.
common::Result<std::string> DaemonBaseUrl(std::string_view listen, bool tls);

// GET <base_url>/api/v1/coverage with `timeout`. Unavailable (or DeadlineExceeded) when the
// daemon cannot be reached, Internal for an answer other than 200, InvalidArgument for a body
// of the wrong shape.
common::Result<DaemonCoverage> FetchDaemonCoverage(common::HttpClient& http,
                                                   const std::string& base_url,
                                                   const common::TlsClientOptions& tls,
                                                   std::chrono::milliseconds timeout);

struct AlertCoverage {
  AlertRule rule;
  std::vector<PlaybookMatch> playbooks;
};

struct PlaybookCoverage {
  std::string playbook;
  std::vector<std::string> experiments;  // loaded experiments whose expectHealing names it
  std::optional<ProvenState> daemon;     // unset when the daemon was not reachable
};

struct CoverageReport {
  std::vector<AlertCoverage> alerts;                     // in rule-file order
  std::vector<PlaybookCoverage> playbooks;               // in load order
  std::string daemon_url;                                // what was asked
  std::string daemon_error;                              // empty when the daemon answered
  std::vector<const AlertRule*> UnhealedAlerts() const;  // no playbook, not even "may"
  std::vector<std::string> UnprovenPlaybooks() const;    // no experiment names it
  bool HasGaps() const { return !UnhealedAlerts().empty() || !UnprovenPlaybooks().empty(); }
};

// Puts the report together. `daemon` is the daemon's answer, or its error.
CoverageReport AnalyzeCoverage(
    std::vector<AlertRule> rules,
    const std::vector<std::shared_ptr<const controller::playbook::Playbook>>& playbooks,
    const std::vector<std::shared_ptr<const controller::chaos::Experiment>>& experiments,
    std::string daemon_url, const common::Result<DaemonCoverage>& daemon);

// The report for people, and for machines (`--format json`; docs/experiments.md).
void PrintCoverage(const CoverageReport& report, std::ostream& out);
nlohmann::json CoverageJson(const CoverageReport& report);

struct CoverageOptions {
  std::vector<std::string> playbook_patterns;  // rebound.yaml `playbooks` (already resolved)
  std::vector<std::string> rule_files;
  std::string daemon_url;  // from DaemonBaseUrl
  common::TlsClientOptions tls;
  std::chrono::milliseconds timeout = std::chrono::seconds(2);
  common::HttpClient* http = nullptr;  // required
  bool json = false;
  bool fail_on_gaps = false;
};

// The whole command: loads the rule files, playbooks and experiments, asks the daemon, prints.
// Returns 0; 1 with fail_on_gaps when there is a gap; 2 when a rule file, playbook or
// experiment has errors (written to `err` as file:line:col: message).
int RunCoverage(const CoverageOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rebound::app
