// Plans: what healing would do about a list of alerts, without doing it. Shared by
// `rebound test` (playbook unit tests, DESIGN.md section 5.4) and `rebound replay` (section 2).
//
// MakePlan runs the real healing engine — playbook matching, target resolution, guardrails,
// actions — in dry-run, so every step is decided exactly as the daemon would decide it and
// recorded as "would ...", but nothing is changed and nothing is verified: the records are
// the whole path a playbook would take. Alerts are journaled, in order, into a journal in a
// fresh temporary state directory (removed afterwards); each firing alert is then handled to
// the end before the next is journaled. Earlier actions (`history`) can be given to exercise
// cooldowns, hourly caps and the circuit breaker.
//
// Time is virtual: the plan starts at `now`, and where healing would wait (for someone else's
// rollout to finish, or before retrying an unreadable target) the clock moves on instead, at
// most kPlanHorizon per alert. Slack messages are collected, never sent; no HTTP request
// leaves the process. The Kubernetes client is the caller's: a MemoryKubeClient, or a
// ReadOnlyKubeClient over a real cluster (dry-run writes nothing, and that client makes sure).
//
// Thread-safety: MakePlan may run on several threads at once with different inputs (each
// call has its own state directory); the rendering functions are pure.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "controller/healing/guardrails.h"
#include "controller/healing/heal_log.h"
#include "controller/healing/outcome.h"
#include "controller/intake/dedupe.h"
#include "controller/intake/payload.h"
#include "controller/notify/notifier.h"
#include "controller/playbook/playbook_index.h"
#include "controller/promql/prometheus_api.h"
#include "kube/kube_client.h"

namespace rebound::app {

// How far past `now` one alert's plan may look (waiting for a rollout by someone else, say).
inline constexpr std::chrono::hours kPlanHorizon{1};

struct PlanInput {
  std::shared_ptr<const controller::playbook::PlaybookIndex> playbooks;  // required
  // The actions the playbooks were loaded with; required (history needs their traits).
  const controller::actions::ActionRegistry* actions = nullptr;
  // In arrival order. An alert without a fingerprint gets one from its labels (as
  // Alertmanager's: equal labels, equal fingerprint).
  std::vector<controller::intake::Alert> alerts;
  kube::KubeClient* kube = nullptr;                         // required
  controller::promql::PrometheusApi* prometheus = nullptr;  // null: no Prometheus
  controller::healing::GuardrailConfig guardrails;          // dry_run is forced on
  std::vector<controller::healing::HealRecord> history;     // earlier actions and outcomes
  std::chrono::system_clock::time_point now;                // when the plan starts
  std::string receiver = "rebound";
  std::string external_url;  // Alertmanager's, for silence links in notifications
};

// What happened to one alert.
struct AlertPlan {
  controller::intake::Alert alert;  // with its fingerprint filled in
  // kNew: healing handled it (see records). kResolved, kDuplicate, kStale: nothing to do.
  controller::intake::IntakeOutcome intake = controller::intake::IntakeOutcome::kNew;
  std::vector<controller::healing::HealRecord> records;         // oldest first
  std::vector<controller::notify::Notification> notifications;  // in the order sent
};

struct Plan {
  std::vector<AlertPlan> alerts;  // one per input alert, in order
};

// Reads the Alertmanager webhook body in `path` with the webhook's own parser. Failure:
// Unavailable ("cannot read the file") or InvalidArgument (the parser's message, naming the
// JSON path of the problem); the message does not repeat `path`.
common::Result<controller::intake::WebhookPayload> ReadPayloadFile(const std::string& path);

// Runs `input` (see the file comment). Failure: InvalidArgument without playbooks or a
// Kubernetes client; Unavailable or Internal when the temporary journal cannot be set up or
// written. A failing Kubernetes or Prometheus API is not a failure of the plan: it shows in
// the records, as it would in the daemon's.
common::Result<Plan> MakePlan(const PlanInput& input);

// One playbook's part in an alert's plan: the decision that started it and what followed.
struct PlaybookRun {
  std::string playbook;  // "" when no playbook matched
  std::string target;    // "Deployment shop/web"; "" when it could not be resolved
  controller::healing::HealRecord decision;            // matched | refused | no_playbook | folded
  // decision.result as a type; nullopt when the run's first record is no decision.
  std::optional<controller::healing::DecisionResult> decided;
  std::vector<controller::healing::HealRecord> steps;  // step >= 0, in order
  std::optional<controller::healing::HealRecord> escalation;
  // How the remediation ended; nullopt for a decision alone.
  std::optional<controller::healing::RemediationOutcome> outcome;
};

// The records of `plan` grouped by playbook, in order (several when playbooks `continue`).
std::vector<PlaybookRun> PlaybookRuns(const AlertPlan& plan);

// `KubePodCrashLooping {deployment="web", namespace="shop"}`: the alertname and the other
// labels, sorted.
std::string AlertHeading(const controller::intake::Alert& alert);

// "playbook crashloop → Deployment shop/web", or without the arrow and target when empty.
std::string RunHeading(const std::string& playbook, const std::string& target);

// Writes `plan` for people: per alert its heading, then per playbook the target and one
// numbered line per step ("1. restart: would restart Deployment shop/web", "2. rollback:
// failed (no_previous_revision): ..."), refusals ("refused (cooldown): ..."), a gate that let
// the playbook act ("matched (anomaly): ...; anomaly score 1.00 ..."), "no playbook matches",
// or why there was nothing to do; with `notifications`, the Slack messages too.
void PrintPlan(const Plan& plan, std::ostream& out, bool notifications);

}  // namespace rebound::app
