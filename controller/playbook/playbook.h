// Playbook: what Rebound does about one kind of alert (DESIGN.md section 5.1), as loaded from a
// `kind: Playbook` YAML document.
//
// A playbook matches alerts with Alertmanager matchers, names its target with templates, and
// lists ordered steps; each step is an action plus how to verify that it worked. An optional
// anomaly gate holds it back unless the target's signals look unusual. Guardrail overrides and
// dry-run apply to this playbook only. Loading and validation are in
// playbook_loader.h; choosing the playbooks for an alert is in playbook_index.h.
//
// Thread-safety: immutable once loaded; shared between threads as shared_ptr<const Playbook>.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/matcher.h"
#include "controller/actions/action.h"
#include "controller/anomaly/gate.h"
#include "controller/templates/template.h"

namespace rebound::controller::playbook {

// How a step is judged to have worked. All that is given must hold within `within`: the alert
// episode resolved (unless `resolved: false`), the workload ready, and `query` (a PromQL
// condition, true when it returns a non-empty vector or a non-zero scalar).
struct Verify {
  std::chrono::milliseconds within = std::chrono::minutes(5);
  bool resolved = true;
  std::optional<templates::Template> query;
};

struct Step {
  std::string action;  // the registry name: "restart", "scale", ...
  std::shared_ptr<const actions::Action> impl;
  actions::ActionTraits traits;  // its factory's: what healing must know about the action
  Verify verify;
  int line = 0;  // where the step starts in its file, for messages
};

// The workload to act on. `kind: Pod` names a pod, which resolves to its owning Deployment or
// StatefulSet through ownerReferences.
struct TargetSpec {
  std::string kind;  // "Deployment" | "StatefulSet" | "Pod"
  templates::Template ns;
  templates::Template name;
};

// Per-playbook overrides of the global guardrails (rebound.yaml `guardrails`).
struct GuardrailOverrides {
  std::optional<std::chrono::milliseconds> cooldown;
  std::optional<int> max_per_hour;
  std::optional<int> max_pods;
  std::optional<int> max_percent;
  std::optional<int> min_replicas;
};

// spec.when.anomaly: the playbook acts only when the anomaly score of the target's signals is
// above `above` (controller/anomaly/gate.h). Unset step and onMissingData come from rebound.yaml
// (Healer::Options).
struct AnomalyGateSpec {
  struct Signal {
    std::string name;
    templates::Template query;  // PromQL with playbook templates
  };
  std::vector<Signal> signals;  // in file order, 1..rebound::anomaly::kMaxSignals
  std::chrono::milliseconds lookback = std::chrono::hours(1);
  std::optional<std::chrono::milliseconds> step;
  double above = 0;  // in (0, 1)
  std::optional<anomaly::OnMissingData> on_missing_data;
};

struct Playbook {
  std::string name;    // metadata.name, unique across all files
  std::string source;  // "file:line" of the document
  common::Matchers matchers;
  bool continue_matching = false;  // spec.continue: later playbooks may match too
  TargetSpec target;
  std::vector<Step> steps;
  GuardrailOverrides guardrails;
  bool dry_run = false;
  std::optional<AnomalyGateSpec> anomaly_gate;  // spec.when.anomaly
};

}  // namespace rebound::controller::playbook
