// `rebound replay -c rebound.yaml payload.json`: what Rebound would do about a recorded
// Alertmanager webhook body, with no side effects (DESIGN.md section 2).
//
// The payload is parsed as the webhook would parse it; the playbooks are loaded as the daemon
// loads them; then the plan (app/plan.h) is made in dry-run against the cluster as it is now,
// through a client that refuses every write, and printed: per alert the playbook, its target
// and each step it would take, or the guardrail that would refuse, or that nothing matches;
// resolved alerts have nothing to do. Slack messages are printed, not sent.
//
// Thread-safety: reentrant.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/healing/guardrails.h"
#include "controller/healing/heal_log.h"
#include "controller/promql/prometheus_api.h"
#include "kube/kube_client.h"

namespace rebound::app {

struct ReplayOptions {
  std::vector<std::string> playbook_patterns;       // rebound.yaml `playbooks`
  std::string base_dir;                             // relative patterns are resolved against it
  controller::healing::GuardrailConfig guardrails;  // dry_run is forced on
  // The cluster to read (wrapped read-only here as well); null: no cluster is configured, the
  // plan is made against an empty one and the output says so.
  kube::KubeClient* kube = nullptr;
  controller::promql::PrometheusApi* prometheus = nullptr;  // null: none configured
  // Earlier actions and outcomes (from the daemon's heal log), so that cooldowns, caps and the
  // circuit breaker apply as they would now.
  std::vector<controller::healing::HealRecord> history;
  std::string payload_file;              // an Alertmanager webhook JSON body
  const common::Clock* clock = nullptr;  // null: the system clock
};

// Prints the plan to `out`. Returns 0 when it was made; 2 when the payload or the playbooks
// have errors (written to `err` as "payload.json: message" or file:line:col: message); 1 when
// the plan cannot be made.
int RunReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rebound::app
