// Guardrails: the limits a remediation must pass before it starts and before each action
// (DESIGN.md section 4), apart from those the actions check against the objects they touch
// (blast radius, minimum replicas, PodDisruptionBudgets: see actions/action.h).
//
// Checked here, in this order (the first that fails is the reason):
//   paused               the kill switch (POST /api/v1/pause, or guardrails.paused)
//   protected_namespace  the target's namespace is protected (default kube-system)
//   circuit_open         K remediations of this target failed within the window
//   cooldown             this playbook acted on this target less than `cooldown` ago
//   max_per_hour         the global cap of actions per rolling hour is reached
//   playbook_max_per_hour  the playbook's own cap (spec.guardrails.maxPerHour)
// Only actions that change something count towards caps and cooldowns (not dry-run, no-ops,
// refusals, or actions that only talk or wait: see actions::ActionTraits), and only they are
// held back by the kill switch and the caps once a remediation runs: its notify steps (the
// escalation) always go out. State lives in memory and is rebuilt from the heal log at start.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/actions/action.h"
#include "controller/healing/heal_log.h"
#include "controller/playbook/playbook.h"

namespace rebound::controller::healing {

// rebound.yaml `guardrails`: the global defaults.
struct GuardrailConfig {
  bool dry_run = false;
  bool paused = false;  // start with the kill switch on
  std::vector<std::string> protected_namespaces = {"kube-system"};
  int max_actions_per_hour = 30;
  std::chrono::milliseconds cooldown = std::chrono::minutes(15);
  actions::BlastRadius blast_radius;
  int circuit_breaker_failures = 3;  // K failed or ineffective remediations of a target ...
  std::chrono::milliseconds circuit_breaker_window = std::chrono::hours(1);  // ... in this
};

struct Refusal {
  std::string reason;   // "cooldown", "max_per_hour", ... (guardrail_blocks_total{reason})
  std::string message;  // for people: what limit, what values, when it lifts
};

class Guardrails {
 public:
  Guardrails(GuardrailConfig config, const common::Clock& clock);

  // Whether a remediation of `target` by `playbook` may start now. A remediation `resuming`
  // after a restart is not held back by the cooldown its own earlier step started.
  std::optional<Refusal> CheckStart(const playbook::Playbook& playbook,
                                    const actions::Target& target, bool resuming = false) const;
  // Whether the next action of a running remediation may run now (the kill switch and the
  // hourly caps can change while a remediation waits for verification).
  std::optional<Refusal> CheckAction(const playbook::Playbook& playbook) const;

  // An action changed `target` at `at`: counts towards the caps and starts the cooldown.
  void RecordAction(const std::string& playbook, const std::string& target,
                    std::chrono::system_clock::time_point at);
  // `playbook` is known to have acted on `target` at `at` (from the target's rebound.io/
  // last-heal mark): starts the cooldown without counting towards the caps.
  void NoteAction(const std::string& playbook, const std::string& target,
                  std::chrono::system_clock::time_point at);
  // A remediation of `target` ended; failures feed the circuit breaker, success closes it.
  void RecordOutcome(const std::string& target, bool healed,
                     std::chrono::system_clock::time_point at);

  // The targets (their ToString()) whose circuit breaker is open now.
  std::vector<std::string> OpenCircuits() const;

  // Rebuilds caps, cooldowns and the circuit breaker from the heal log's recent records, given
  // in any order: "done" actions that change the cluster (by their traits in `actions`; an
  // action no longer registered counts) count, outcomes feed the breaker.
  void Restore(const std::vector<HealRecord>& records, const actions::ActionRegistry& actions);

  void SetPaused(bool paused);
  bool paused() const;
  // Whether dry-run applies to `playbook` (globally or by its own dryRun).
  bool DryRun(const playbook::Playbook& playbook) const;
  // The blast-radius limits for `playbook`: the global ones with its overrides applied.
  actions::BlastRadius BlastRadiusFor(const playbook::Playbook& playbook) const;

  // Applies a reloaded configuration; history (caps, cooldowns, failures) is kept, and so is
  // the kill switch unless the new configuration turns `paused` on.
  void Reconfigure(GuardrailConfig config);
  GuardrailConfig config() const;

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  void Prune(std::deque<TimePoint>& times, TimePoint now) const;
  std::optional<Refusal> CheckCaps(const playbook::Playbook& playbook, TimePoint now) const;
  // The failures of `failures` within the breaker's window; the breaker is open when there are
  // circuit_breaker_failures of them. Call with mu_ held.
  size_t RecentFailures(const std::deque<TimePoint>& failures, TimePoint now) const;

  GuardrailConfig config_;  // guarded by mu_
  const common::Clock& clock_;
  mutable std::mutex mu_;
  bool paused_;
  mutable std::deque<TimePoint> actions_;  // every counted action in the last hour
  mutable std::map<std::string, std::deque<TimePoint>> playbook_actions_;
  std::map<std::pair<std::string, std::string>, TimePoint> last_action_;  // (playbook, target)
  std::map<std::string, std::deque<TimePoint>> failures_;                 // per target
};

}  // namespace rebound::controller::healing
