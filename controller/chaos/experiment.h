// A chaos experiment (`kind: ChaosExperiment`, DESIGN.md section 7): a claim "this failure
// heals itself within recoverWithin", with when to test it (controller/chaos/schedule.h), what
// to break, and what must hold before, during and after. docs/experiments.md is the reference.
//
// Thread-safety: an Experiment is an immutable value once loaded.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/matcher.h"
#include "controller/chaos/schedule.h"

namespace rebound::controller::chaos {

enum class FaultType { kPodKill, kScaleToZero, kScaleDown, kCordonNode };
// "pod-kill", "scale-to-zero", "scale-down", "cordon-node".
std::string_view FaultTypeName(FaultType type);
std::optional<FaultType> FaultTypeFromName(std::string_view name);
// pod-kill and scale-down remove some pods: they take `count` or `percent`.
bool FaultTakesAmount(FaultType type);

enum class TargetKind { kDeployment, kStatefulSet, kNode };
// "Deployment", "StatefulSet", "Node".
std::string_view TargetKindName(TargetKind kind);
std::optional<TargetKind> TargetKindFromName(std::string_view name);

enum class Pick { kRandom, kLeastRecentlyProven };
// "random", "least-recently-proven".
std::string_view PickName(Pick pick);
std::optional<Pick> PickFromName(std::string_view name);

struct ExperimentTarget {
  TargetKind kind = TargetKind::kDeployment;
  std::string ns;                // empty for Node
  std::string name;              // one object, or:
  std::string selector;          // label selector text, as the API's labelSelector
  nlohmann::json selector_json;  // ... and as a LabelSelector (actions/label_selector.h)
  Pick pick = Pick::kRandom;     // among what the selector matches
};

struct Fault {
  FaultType type = FaultType::kPodKill;
  std::optional<int> count;    // pods (pod-kill) or replicas (scale-down)
  std::optional<int> percent;  // of the ready pods / replicas, rounded up
};

struct Experiment {
  std::string name;
  std::string source;  // "file:line" of the document
  Schedule schedule;
  ExperimentTarget target;
  Fault fault;
  bool allow_total_outage = false;
  std::vector<std::string> steady_state;  // PromQL; each must return a non-empty result
  std::chrono::milliseconds recover_within{0};
  std::optional<std::string> expect_healing;      // the playbook that must do the healing
  std::vector<common::Matchers> abort_if_firing;  // an alert matching any set aborts
  bool dry_run = false;
};

}  // namespace rebound::controller::chaos
