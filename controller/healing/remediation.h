// Remediation: one playbook working on one target for one or more alert episodes (DESIGN.md
// section 4). It runs the playbook's steps in order. Before each step it re-reads the
// episodes and the target and stops, with the reason recorded, when the alert has resolved,
// the target is gone or was replaced (new uid), or someone else's rollout is under way; then
// the healer's guardrails must allow the action; then the action runs and its step is
// verified within its deadline. A verified step ends the remediation as healed; a failed one
// moves on to the next step; after the last, Rebound escalates. Every decision goes to the heal
// log, the logs, the metrics and Slack; every action also to a Kubernetes Event on the target.
//
// In dry-run every step is decided and recorded as "would ..." and nothing is verified (there
// is nothing to verify), so the record shows the whole path the playbook would take.
//
// Before acting, a step is marked on the target (the rebound.io/last-heal annotation, with the
// action's plan) so that a controller that restarts mid-step, or a new leader, runs the step
// again with that plan: the action then finds from the cluster whether it took effect and acts
// only if it did not. A step whose mark cannot be written (kMarkAttempts tries) does not act:
// it fails with reason "mark_failed" (see docs/healing.md, "Across restarts").
//
// Thread-safety: Run is called once, from one thread; Fold, Episodes and Snapshot may be called
// from any thread meanwhile.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "controller/healing/guardrails.h"
#include "controller/healing/heal_log.h"
#include "controller/healing/outcome.h"
#include "controller/healing/target_resolver.h"
#include "controller/healing/verifier.h"
#include "controller/intake/journal.h"
#include "controller/notify/notifier.h"
#include "controller/playbook/playbook.h"
#include "exporter/heal_metrics.h"
#include "kube/kube_client.h"

namespace rebound::controller::healing {

// Everything healing uses. References outlive the healer.
struct HealingDeps {
  intake::Journal& journal;
  HealLog& log;
  kube::KubeClient& kube;
  promql::PrometheusApi* prometheus;  // null when no Prometheus is configured
  notify::Notifier& notifier;
  common::HttpClient& http;
  const common::Clock& clock;
  common::Sleeper& sleeper;
  Guardrails& guardrails;
  exporter::HealMetrics& metrics;
  std::chrono::milliseconds poll_interval{5000};  // verification and retry polling
  std::string instance;                           // this replica's name, for Kubernetes Events
  // Whether a chaos run works on `target` ("Deployment shop/web"): notifications about it are
  // marked as a drill. Null: never.
  std::function<bool(const std::string& target)> drill;
};

class Remediation {
 public:
  // How many times a step's mark is tried before the step gives up acting.
  static constexpr int kMarkAttempts = 3;

  struct Snapshot {
    std::string id;
    std::string playbook;
    std::string target;
    int step = 0;       // the step running now (0-based)
    std::string phase;  // "acting" | "waiting for a rollout" | "verifying" | "done"
    std::chrono::system_clock::time_point started_at;
    size_t episodes = 0;
  };

  // `first_step` > 0 resumes a remediation whose earlier steps ran before a restart.
  Remediation(HealingDeps& deps, std::shared_ptr<const playbook::Playbook> playbook,
              ResolvedTarget target, const intake::Episode& first, int first_step = 0);

  // Shows the anomaly gate's decision (`explanation`) on every Slack message of this
  // remediation. Call before Run.
  void NoteAnomalyGate(const std::string& explanation);

  // Adds `episode` (same target, later alert) to this remediation: its verification then
  // waits for that episode to resolve too, and it ends in the same state. Once only.
  void Fold(const intake::EpisodeKey& episode);

  // Runs the steps and returns how the remediation ended (kInterrupted when `stop` was
  // requested: the episodes stay pending and are resumed at the next start).
  RemediationOutcome Run(std::stop_token stop);

  std::vector<intake::EpisodeKey> Episodes() const;
  Snapshot snapshot() const;
  const std::string& id() const { return id_; }
  // The episode that started it (its id names it).
  const intake::EpisodeKey& first() const { return first_.key; }

 private:
  // What Run carries from one step to the next.
  struct RunState {
    actions::BlastRadius limits;
    RemediationOutcome outcome = RemediationOutcome::kUnhealed;
    bool ended = false;  // no further step runs
    // The last step that acted was a notification that went out: it is the escalation.
    bool people_told = false;
    std::optional<std::chrono::milliseconds> time_to_heal;  // when healed and verified
    void End(RemediationOutcome end) {
      outcome = end;
      ended = true;
    }
  };
  struct Skip {
    SkipReason reason;
    std::string message;
  };

  // One step: PreCheck, Act, Announce, then Verify when the action changed the cluster.
  void RunStep(int index, std::stop_token stop, RunState& state);
  // Before step `index`: the level-based checks (waiting out someone else's rollout), then the
  // guardrails. True when the step may run, with `workload` the target as read now; false
  // when it must not, with `state` ended and the reason recorded.
  bool PreCheck(int index, std::stop_token stop, RunState& state, nlohmann::json* workload);
  // The level-based checks: the reason and message when step `index` must not run, else
  // nullopt with `workload` the target as read now.
  std::optional<Skip> CheckTarget(int index, nlohmann::json* workload);
  // Someone else's rollout is not interrupted, but a rollout that stalls (past its progress
  // deadline) is what healing is for: re-checks until the `rollout` is over or stalled, or
  // `stop` is requested, and returns the last check's result.
  std::optional<Skip> WaitOutRollout(int index, Skip rollout, std::stop_token stop,
                                     nlohmann::json* workload);
  // Whether the guardrails let the action of step `index` run now (only actions that change
  // the cluster, and not in a dry run, are held back); a refusal ends `state`.
  bool GuardrailsAllow(int index, RunState& state);
  // Runs the action of step `index` — after marking it, or, when the target's mark says an
  // earlier run marked it, with the mark's plan — and records the result in the metrics and
  // the heal log.
  actions::ActionResult Act(int index, const nlohmann::json& workload,
                            const actions::BlastRadius& limits, std::stop_token stop);
  // Marks step `index` with `plan` on the target before its action changes the cluster,
  // trying kMarkAttempts times, poll_interval apart. kDone when marked; else kFailed, reason
  // "mark_failed" (or "stopped" when `stop` ended the wait), and the action must not run.
  actions::ActionResult MarkStep(int index, const nlohmann::json& plan, std::stop_token stop);
  // Tells people and the cluster (Slack, Kubernetes Event) what the action did, and counts
  // it towards the guardrails when it changed the cluster.
  void Announce(int index, const nlohmann::json& workload, const actions::ActionResult& result);
  // Waits for step `index` to be verified; ends `state` when it is (healed) or when stopped.
  void Verify(int index, std::stop_token stop, RunState& state);
  // Records, announces and counts how the remediation ended; sets its episodes handled unless
  // it was interrupted.
  void Finish(const RunState& state);
  void Escalate(bool people_told);

  void Record(HealRecord::Kind kind, int step, const std::string& action, std::string_view result,
              std::string_view reason, std::string message,
              std::chrono::milliseconds duration = std::chrono::milliseconds(0));
  void Notify(notify::Notification::Kind kind, std::string title, std::string text, bool success,
              std::optional<std::chrono::milliseconds> time_to_heal = std::nullopt);
  void WriteEvent(const nlohmann::json& workload, const std::string& type,
                  const std::string& message);
  void SetPhase(int step, std::string phase);

  HealingDeps& deps_;
  const std::shared_ptr<const playbook::Playbook> playbook_;
  const ResolvedTarget resolved_;
  const intake::Episode first_;
  const std::string id_;
  const bool dry_run_;
  const int first_step_;
  const Verifier verifier_;
  templates::TemplateContext vars_;
  notify::Notification base_notification_;

  mutable std::mutex mu_;
  std::vector<intake::EpisodeKey> episodes_;
  Snapshot snapshot_;
};

}  // namespace rebound::controller::healing
