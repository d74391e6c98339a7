// Action: one kind of step a playbook can take (restart, scale, delete_pod, ...), and the
// registry that creates actions by name.
//
// An action is created once per playbook step from the step's YAML (its parameters are checked
// then, so `rebound check` reports them as file:line:col) and run once per remediation. Run()
// is level-based: it re-reads what it acts on, decides from what it finds, and is idempotent —
// running it again after it succeeded changes nothing more than the first run did, except
// for actions whose whole point is to act each time (restart, delete_pod). Guardrails that
// depend on what the action touches (blast radius, minimum replicas, PodDisruptionBudgets) are
// checked by the action itself and reported as a refusal; the ones that do not (cooldown, rate
// caps, protected namespaces, the kill switch) are the healer's.
//
// In dry-run, Run() reads and decides exactly as it would otherwise and reports what it would
// do (Outcome::kDryRun), writing nothing.
//
// Actions that must not act twice (restart, delete_pod, scale) decide their effect first
// (Plan(): the restartedAt value, the pods by uid, the replica count). Healing records the plan
// in the target's rebound.io/last-heal mark before the action runs and hands it to Run(), which
// then applies exactly that plan and reports kNoop when the cluster already shows it. So a step
// resumed after a restart finds out from the cluster whether its action took effect, and acts
// only if it did not.
//
// Built-in actions are registered explicitly at start-up (RegisterBuiltinActions); adding an
// action touches only controller/actions/: what healing must know about a kind of action
// (whether it changes the cluster, whether it tells people) is its factory's ActionTraits,
// never a test of its name.
//
// Thread-safety: an Action is immutable after creation; Run() may be called from several
// threads at once for different remediations. The registry is filled before use, then
// read-only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "common/yaml_util.h"
#include "controller/notify/notifier.h"
#include "controller/templates/template.h"
#include "kube/kube_client.h"
#include "kube/resource.h"

namespace rebound::controller::actions {

// The API resource of a workload kind ("Deployment", "StatefulSet"); nullptr for any other.
const kube::Resource* WorkloadResource(std::string_view kind);

// The workload a remediation acts on.
struct Target {
  std::string kind;  // "Deployment" | "StatefulSet"
  std::string ns;
  std::string name;

  // The API resource of `kind`, which must be one WorkloadResource knows (the playbook loader
  // checks; actions report any other kind as failed, reason "unsupported").
  const kube::Resource& resource() const;
  // "Deployment shop/web"
  std::string ToString() const;
  // The target ToString() wrote; nullopt for anything else (a kind WorkloadResource does not
  // know, a missing namespace or name).
  static std::optional<Target> Parse(std::string_view text);
};

// Limits on what one action may disturb (rebound.yaml `guardrails`, overridden per playbook).
struct BlastRadius {
  int max_pods = 1;      // never delete more than this many pods of a workload at once
  int max_percent = 25;  // ... nor more than this share of its pods (at least one pod)
  int min_replicas = 1;  // never scale below this
  int max_nodes = 1;     // never cordon more than this many nodes at once
};

// Everything Run() may use. References outlive the call.
struct ActionContext {
  const Target& target;
  const templates::TemplateContext& vars;  // the episode's template variables
  const BlastRadius& limits;
  bool dry_run = false;
  kube::KubeClient& kube;
  common::HttpClient& http;
  notify::Notifier& notifier;
  const notify::Notification& notification;  // prefilled for this episode: thread key, links
  const common::Clock& clock;
  common::Sleeper& sleeper;
  std::stop_token stop;  // requested when the daemon shuts down
  // The plan Plan() made for this run (also after a restart, from the mark); null or absent
  // when there is none: Run() then decides by itself.
  const nlohmann::json* plan = nullptr;
};

struct ActionResult {
  enum class Outcome {
    kDone,     // acted
    kDryRun,   // would have acted; nothing was changed
    kNoop,     // nothing to do (already in the wanted state)
    kRefused,  // a guardrail said no; `reason` names it
    kFailed,   // could not act; `reason` says what kind of failure
  };
  Outcome outcome = Outcome::kDone;
  // Refused: the guardrail — "blast_radius", "min_replicas", "max_replicas",
  // "pod_disruption_budget".
  // Failed: a short machine-readable cause — "template" (a variable could not be rendered),
  // "target_gone", "unsupported" (target kind), "api_error", "conflict" (kept changing under
  // us), "not_found", "not_owned", "no_previous_revision", "paused", "invalid_url",
  // "http_error", "unreachable", "stopped" (shutdown), "invalid_plan" (a plan from a mark that
  // this action cannot read), "mark_failed" (healing could not mark the target, so the action
  // did not run).
  std::string reason;
  // What happened, for logs, the journal, Slack and the Kubernetes Event:
  // "scaled Deployment shop/web from 3 to 4 replicas", "would delete pod shop/web-7d9-abc".
  std::string message;
  // Whether the workload's pods are being replaced, so verification should wait for a rollout.
  bool rollout_started = false;
};

// "done" | "dry_run" | "noop" | "refused" | "failed" (the `result` label of metrics).
std::string_view OutcomeName(ActionResult::Outcome outcome);

class Action {
 public:
  virtual ~Action() = default;
  // Decides and (unless ctx.dry_run) acts; see the file comment. With ctx.plan it applies that
  // plan and reports kNoop when the cluster already shows it. Never throws.
  virtual ActionResult Run(const ActionContext& ctx) const = 0;
  // What Run() will change, decided from the cluster as it is now (ctx.plan is unset): a JSON
  // value healing stores in the mark and passes back as ctx.plan. Null for an action whose
  // Run() finds its own work done without one (rollback, cordon: level-based and idempotent;
  // notify, webhook, wait change nothing) and when there is nothing to change (Run() then
  // reports the noop, refusal or failure by itself). Never throws.
  virtual nlohmann::json Plan(const ActionContext& ctx) const {
    (void)ctx;
    return nullptr;
  }
  // The templates among its parameters, so that the playbook loader can check their variables
  // against the playbook's matchers.
  virtual std::vector<const templates::Template*> Templates() const { return {}; }
  // One line describing the step as configured, for plans: "scale +1 (max 10)".
  virtual std::string Describe() const = 0;
};

// What healing must know about a kind of action besides running it. Every factory declares
// both fields.
struct ActionTraits {
  // It changes something in the cluster. Such an action is marked on its target before it
  // runs, is held back by the kill switch and the hourly caps, counts towards them and the
  // cooldown when done, and its step is verified. Actions that only talk or pass time (notify,
  // webhook, wait) have nothing to verify.
  bool changes_cluster = true;
  // Its message reaches people itself (notify): healing sends no Slack message of its own for
  // it, and when it was the last step and went out, it stands for the escalation.
  bool tells_people = false;
};

// Creates one kind of action from a step's YAML mapping.
class ActionFactory {
 public:
  virtual ~ActionFactory() = default;
  // What the actions it creates are (see ActionTraits).
  virtual ActionTraits Traits() const = 0;
  // The step keys this action takes besides `action` and `verify` ("replicas", "max", ...).
  virtual std::vector<std::string> Keys() const = 0;
  // The action for `step`, whose keys the caller has already checked against Keys(). On bad
  // parameters adds errors (each at its node) to step.errors() and returns nullptr.
  virtual std::unique_ptr<Action> Create(const common::StrictMap& step) const = 0;
};

class ActionRegistry {
 public:
  // Registers `factory` under `name`; a second registration of a name replaces the first.
  void Register(std::string name, std::unique_ptr<ActionFactory> factory);
  // The factory for `name`, nullptr when none.
  const ActionFactory* Find(std::string_view name) const;
  // Every registered name, sorted (for "unknown action" hints).
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<ActionFactory>, std::less<>> factories_;
};

// Registers restart, delete_pod, scale, rollback, cordon, notify, webhook and wait.
void RegisterBuiltinActions(ActionRegistry& registry);

}  // namespace rebound::controller::actions
