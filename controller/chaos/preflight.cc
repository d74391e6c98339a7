// Pre-flight of a chaos run (runner.h, step 1).
#include <algorithm>

#include "controller/actions/action_support.h"
#include "controller/actions/label_selector.h"
#include "controller/chaos/fault.h"
#include "controller/chaos/run_execution.h"
#include "controller/healing/workload_state.h"
#include "kube/object.h"

namespace rebound::controller::chaos {

const kube::Resource& ResourceOf(TargetKind kind) {
  switch (kind) {
    case TargetKind::kDeployment:
      return kube::kDeployments;
    case TargetKind::kStatefulSet:
      return kube::kStatefulSets;
    case TargetKind::kNode:
      return kube::kNodes;
  }
  return kube::kDeployments;
}

std::string Runner::Run::Preflight() {
  const Experiment& e = *experiment_;
  if (!e.schedule.InsideWindows(Now())) return "outside the experiment's windows";
  if (deps_.paused && deps_.paused()) return "the kill switch is on";
  if (deps_.is_leader && !deps_.is_leader()) return "this replica is not the leader";
  if (stop_.stop_requested()) return "the daemon is stopping";
  if (!e.steady_state.empty() && deps_.prometheus == nullptr) {
    return "steadyState needs prometheus.url";
  }
  if (!e.abort_if_firing.empty() && deps_.alerts == nullptr) {
    return "abortIf needs alertmanager.url";
  }
  const std::vector<std::string>& protected_ns = options_.protected_namespaces;
  if (!e.target.ns.empty() &&
      std::find(protected_ns.begin(), protected_ns.end(), e.target.ns) != protected_ns.end()) {
    return "namespace " + e.target.ns + " is protected (guardrails.protected_namespaces)";
  }
  if (std::string why = PickTarget(); !why.empty()) return why;
  Record(RunPhase::kPreflight, "target " + run_.target.ToString());
  if (std::string why = SteadyStateProblem(); !why.empty()) return why;
  std::string error;
  if (std::string alert = AbortAlert(&error); !alert.empty()) return "alert firing: " + alert;
  if (!error.empty()) return error;
  return "";
}

std::string Runner::Run::PickTarget() {
  const ExperimentTarget& spec = experiment_->target;
  const kube::Resource& resource = ResourceOf(spec.kind);
  std::vector<nlohmann::json> found;
  if (!spec.name.empty()) {
    common::Result<nlohmann::json> object = deps_.kube.Get(resource, spec.ns, spec.name);
    if (!object.ok()) {
      return "cannot read " + std::string(TargetKindName(spec.kind)) + " " + spec.name + ": " +
             object.status().message();
    }
    found.push_back(std::move(*object));
  } else {
    // Listed whole and filtered here: the selector may use set forms some API fakes lack.
    common::Result<kube::ObjectList> list = deps_.kube.List(resource, spec.ns, {});
    if (!list.ok()) return "cannot list the targets: " + list.status().message();
    for (nlohmann::json& item : list->items) {
      if (actions::SelectorMatches(spec.selector_json,
                                   actions::JsonAt(item, {"metadata", "labels"}))) {
        found.push_back(std::move(item));
      }
    }
    if (found.empty())
      return "no " + std::string(TargetKindName(spec.kind)) + " matches " + spec.selector;
  }
  // Eligible candidates, in name order so that a seed picks the same one again.
  std::sort(found.begin(), found.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return kube::ObjectName(a) < kube::ObjectName(b);
  });
  std::vector<nlohmann::json> eligible;
  std::string first_refusal;
  for (nlohmann::json& object : found) {
    std::string why = Ineligible(object);
    if (why.empty()) {
      eligible.push_back(std::move(object));
    } else if (first_refusal.empty()) {
      first_refusal =
          std::string(TargetKindName(spec.kind)) + " " + kube::ObjectName(object) + ": " + why;
    }
  }
  if (eligible.empty())
    return found.size() == 1 ? first_refusal : "no eligible target (" + first_refusal + ")";
  size_t chosen = SeededSample(eligible.size(), 1, seed_).front();
  if (spec.pick == Pick::kLeastRecentlyProven && eligible.size() > 1) {
    auto proven = deps_.log.LastRecoveredByTarget(experiment_->expect_healing.value_or(""),
                                                  experiment_->name);
    if (!proven.ok()) return "cannot read the run log: " + proven.status().message();
    // Never proven first (in name order), then the one proven longest ago.
    std::optional<std::chrono::system_clock::time_point> oldest;
    for (size_t i = 0; i < eligible.size(); ++i) {
      RunTarget target{spec.kind, kube::ObjectNamespace(eligible[i]),
                       kube::ObjectName(eligible[i])};
      auto it = proven->find(target.ToString());
      if (it == proven->end()) {
        chosen = i;
        break;
      }
      if (!oldest || it->second < *oldest) {
        oldest = it->second;
        chosen = i;
      }
    }
  }
  object_ = std::move(eligible[chosen]);
  run_.target = {spec.kind, kube::ObjectNamespace(object_), kube::ObjectName(object_)};
  return "";
}

std::string Runner::Run::Ineligible(const nlohmann::json& object) const {
  if (kube::ObjectLabel(object, kChaosLabel) != std::string(kChaosLabelEnabled)) {
    return "not labelled " + std::string(kChaosLabel) + "=" + std::string(kChaosLabelEnabled);
  }
  if (experiment_->target.kind == TargetKind::kNode) {
    if (actions::JsonAt(object, {"spec", "unschedulable"}) == true) return "already cordoned";
    return "";
  }
  std::string why;
  if (healing::RolloutByOthersInProgress(object, "", Now(), &why)) {
    return "a rollout is in progress (" + why + ")";
  }
  RunTarget target{experiment_->target.kind, kube::ObjectNamespace(object),
                   kube::ObjectName(object)};
  if (deps_.remediation_active && deps_.remediation_active(target.ToString())) {
    return "a remediation is in progress on it";
  }
  return "";
}

std::string Runner::Run::SteadyStateProblem() const {
  for (const std::string& query : experiment_->steady_state) {
    common::Result<bool> holds = promql::EvaluateCondition(*deps_.prometheus, query);
    if (!holds.ok()) return "steady-state query failed: " + holds.status().message();
    if (!*holds) return "steady state does not hold: " + query;
  }
  return "";
}

std::string Runner::Run::AbortAlert(std::string* error) const {
  if (experiment_->abort_if_firing.empty()) return "";
  common::Result<std::vector<AlertLabels>> firing = deps_.alerts->Firing();
  if (!firing.ok()) {
    *error = "cannot read the firing alerts: " + firing.status().message();
    return "";
  }
  const AlertLabels* alert = FirstMatching(*firing, experiment_->abort_if_firing);
  return alert == nullptr ? "" : DescribeAlert(*alert);
}

common::Status Runner::Run::ReadTarget() {
  common::Result<nlohmann::json> object =
      deps_.kube.Get(ResourceOf(run_.target.kind), run_.target.ns, run_.target.name);
  if (!object.ok()) return object.status();
  object_ = std::move(*object);
  return common::Status::Ok();
}

}  // namespace rebound::controller::chaos
