// The fault of a chaos run (runner.h, steps 2 and 5): its choice, its injection and its undoing.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/duration.h"
#include "controller/actions/action_support.h"
#include "controller/actions/label_selector.h"
#include "controller/chaos/fault.h"
#include "controller/chaos/run_execution.h"
#include "kube/object.h"

namespace rebound::controller::chaos {
namespace {

std::string Pods(int n) { return std::to_string(n) + (n == 1 ? " pod" : " pods"); }

}  // namespace

common::Result<std::vector<nlohmann::json>> WorkloadPods(kube::KubeClient& kube,
                                                         const nlohmann::json& workload) {
  const nlohmann::json& selector = actions::JsonAt(workload, {"spec", "selector"});
  common::Result<std::string> query = actions::SelectorQuery(selector);
  if (!query.ok()) return query.status();
  kube::ListOptions options;
  options.label_selector = *query;
  common::Result<kube::ObjectList> pods =
      kube.List(kube::kPods, kube::ObjectNamespace(workload), options);
  if (!pods.ok()) return pods.status();
  std::sort(pods->items.begin(), pods->items.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) {
              return kube::ObjectName(a) < kube::ObjectName(b);
            });
  return std::move(pods->items);
}

std::string Runner::Run::Choose() {
  const Experiment& e = *experiment_;
  FaultChoice choice;
  choice.type = e.fault.type;
  choice.seed = seed_;
  std::string what;
  if (e.fault.type == FaultType::kPodKill ||
      (e.fault.type == FaultType::kCordonNode && run_.target.kind != TargetKind::kNode)) {
    common::Result<std::vector<nlohmann::json>> ready = WorkloadPods(deps_.kube, object_);
    if (!ready.ok()) return "cannot list the pods: " + ready.status().message();
    std::erase_if(*ready, [](const nlohmann::json& pod) { return !PodReady(pod); });
    const int n = static_cast<int>(ready->size());
    if (e.fault.type == FaultType::kCordonNode) {
      if (n == 0) return "no ready pod to find a node by";
      const nlohmann::json& pod = (*ready)[SeededSample(ready->size(), 1, seed_).front()];
      choice.node = kube::StringField(pod, {"spec", "nodeName"});
      if (choice.node.empty()) return "pod " + kube::ObjectName(pod) + " has no node";
      what = "cordon node " + choice.node + " (of pod " + kube::ObjectName(pod) + ")";
    } else {
      choice.count = FaultAmount(e.fault, n);
      choice.previous_ready = n;
      if (std::string refusal = BlastRadiusRefusal(n, choice.count, e.allow_total_outage);
          !refusal.empty()) {
        return "blast radius: " + refusal;
      }
      for (size_t i : SeededSample(ready->size(), static_cast<size_t>(choice.count), seed_)) {
        choice.pods.push_back({kube::ObjectName((*ready)[i]), kube::ObjectUid((*ready)[i])});
      }
      what = "delete " + Pods(choice.count) + " of " + std::to_string(n) + " ready:";
      for (const ChosenPod& pod : choice.pods) what += " " + pod.name;
    }
  } else if (e.fault.type == FaultType::kCordonNode) {
    choice.node = run_.target.name;
    what = "cordon node " + choice.node;
  } else {
    return ChooseScale(std::move(choice));
  }
  if (choice.type == FaultType::kCordonNode) {
    common::Result<kube::ObjectList> nodes = deps_.kube.List(kube::kNodes, "", {});
    if (!nodes.ok()) return "cannot list the nodes: " + nodes.status().message();
    const nlohmann::json* pod_spec = nullptr;
    if (run_.target.kind != TargetKind::kNode) {
      pod_spec = &actions::JsonAt(object_, {"spec", "template", "spec"});
    }
    if (std::string refusal =
            CordonRefusal(nodes->items, choice.node, pod_spec, e.allow_total_outage);
        !refusal.empty()) {
      return "blast radius: " + refusal;
    }
  }
  return RecordChoice(std::move(choice), what);
}

std::string Runner::Run::ChooseScale(FaultChoice choice) {
  const Experiment& e = *experiment_;
  common::Result<kube::Scale> scale =
      deps_.kube.GetScale(ResourceOf(run_.target.kind), run_.target.ns, run_.target.name);
  if (!scale.ok()) return "cannot read the scale: " + scale.status().message();
  const int replicas = scale->replicas;
  if (replicas == 0) return "already at 0 replicas";
  choice.previous_replicas = replicas;
  if (e.fault.type == FaultType::kScaleToZero) {
    choice.count = replicas;  // a total outage by definition: allowed without the flag
  } else {
    choice.count = FaultAmount(e.fault, replicas);
    if (std::string refusal = BlastRadiusRefusal(replicas, choice.count, e.allow_total_outage);
        !refusal.empty()) {
      return "blast radius: " + refusal;
    }
  }
  choice.set_replicas = replicas - choice.count;
  scale_ = *scale;
  const std::string what = "scale from " + std::to_string(replicas) + " to " +
                           std::to_string(*choice.set_replicas) + " replicas";
  return RecordChoice(std::move(choice), what);
}

std::string Runner::Run::RecordChoice(FaultChoice choice, const std::string& what) {
  run_.fault = std::move(choice);
  // Journaled before anything changes: a restarted daemon knows what to undo. A choice the log
  // does not hold is not made.
  if (!Record(RunPhase::kInject, (run_.dry_run ? "would " : "chose to ") + what + " (seed " +
                                     std::to_string(seed_) + ")")) {
    run_.fault.reset();
    return "the choice could not be written to the run log: nothing was injected";
  }
  return "";
}

std::string Runner::Run::Recheck() {
  if (common::Status read = ReadTarget(); !read.ok()) {
    return "cannot re-read the target: " + read.message();
  }
  std::string why = Ineligible(object_);
  return why.empty() ? "" : why + " (re-checked before injection)";
}

std::string Runner::Run::Inject() {
  const FaultChoice& fault = *run_.fault;
  switch (fault.type) {
    case FaultType::kPodKill: {
      int deleted = 0;
      for (const ChosenPod& pod : fault.pods) {
        kube::DeleteOptions options;
        options.uid = pod.uid;  // never a replacement that took the name
        common::Status status = deps_.kube.DeletePod(run_.target.ns, pod.name, options);
        if (status.code() == common::StatusCode::kNotFound) continue;  // gone already
        if (!status.ok()) {
          if (deleted == 0) return "delete pod " + pod.name + ": " + status.message();
          Record(RunPhase::kInject, "delete pod " + pod.name + " failed: " + status.message());
          continue;
        }
        ++deleted;
      }
      break;
    }
    case FaultType::kScaleToZero:
    case FaultType::kScaleDown: {
      kube::Scale scale = *scale_;
      scale.replicas = *fault.set_replicas;
      common::Result<kube::Scale> updated =
          deps_.kube.UpdateScale(ResourceOf(run_.target.kind), scale);
      if (!updated.ok()) return "scale: " + updated.status().message();
      break;
    }
    case FaultType::kCordonNode: {
      common::Result<nlohmann::json> patched =
          deps_.kube.Patch(kube::kNodes, "", fault.node, kube::PatchType::kMerge,
                           {{"spec", {{"unschedulable", true}}}});
      if (!patched.ok()) return "cordon node " + fault.node + ": " + patched.status().message();
      break;
    }
  }
  run_.injected_at = Now();
  Record(RunPhase::kWatch, "injected " + std::string(FaultTypeName(fault.type)) +
                               "; watching for " + common::FormatDuration(run_.recover_within));
  return "";
}

void Runner::Run::Restore(const std::string& why) {
  if (!run_.fault || run_.fault->type == FaultType::kPodKill) {
    return;  // a killed pod's controller replaces it: nothing to undo
  }
  const Undo undo = UndoFault();
  Apply(undo);
  Record(RunPhase::kRestore, why + ": " + undo.message);
}

void Runner::Run::Apply(const Undo& undo) {
  ++run_.restore_attempts;
  run_.restore_owed = undo.outcome == UndoOutcome::kFailed;
  if (undo.outcome == UndoOutcome::kDone) run_.restored_by_chaos = true;
  if (run_.restore_owed) {
    spdlog::error("chaos run {}: {} ({}); will retry", run_.id, undo.message,
                  run_.target.ToString());
  }
}

Runner::Run::Undo Runner::Run::UndoFault() {
  const FaultChoice& fault = *run_.fault;
  const RunTarget& target = run_.target;
  // A target deleted since has nothing left to undo; any other refusal may be passing.
  const auto refused = [&](const common::Status& status, const std::string& what) {
    if (status.code() == common::StatusCode::kNotFound) {
      return Undo{UndoOutcome::kNothing, what + ": it is gone (" + status.message() + ")"};
    }
    return Undo{UndoOutcome::kFailed, what + " failed: " + status.message()};
  };
  switch (fault.type) {
    case FaultType::kPodKill:
      return {UndoOutcome::kNothing, "pod kills need no undoing"};
    case FaultType::kScaleToZero:
    case FaultType::kScaleDown: {
      const kube::Resource& resource = ResourceOf(target.kind);
      common::Result<kube::Scale> scale = deps_.kube.GetScale(resource, target.ns, target.name);
      if (!scale.ok()) return refused(scale.status(), "reading the scale of " + target.ToString());
      if (scale->replicas != *fault.set_replicas) {
        return {UndoOutcome::kNothing, "replicas are " + std::to_string(scale->replicas) +
                                           ", not the " + std::to_string(*fault.set_replicas) +
                                           " chaos set: left as they are"};
      }
      kube::Scale restored = *scale;
      restored.replicas = *fault.previous_replicas;
      common::Result<kube::Scale> updated = deps_.kube.UpdateScale(resource, restored);
      const std::string replicas = std::to_string(*fault.previous_replicas) + " replicas";
      if (!updated.ok()) return refused(updated.status(), "restoring " + replicas);
      return {UndoOutcome::kDone, "scaled back to " + replicas};
    }
    case FaultType::kCordonNode: {
      const std::string node = "node " + fault.node;
      common::Result<nlohmann::json> read = deps_.kube.Get(kube::kNodes, "", fault.node);
      if (!read.ok()) return refused(read.status(), "reading " + node);
      if (actions::JsonAt(*read, {"spec", "unschedulable"}) != true) {
        return {UndoOutcome::kNothing, node + " is schedulable already"};
      }
      common::Result<nlohmann::json> patched =
          deps_.kube.Patch(kube::kNodes, "", fault.node, kube::PatchType::kMerge,
                           {{"spec", {{"unschedulable", false}}}});
      if (!patched.ok()) return refused(patched.status(), "uncordoning " + node);
      return {UndoOutcome::kDone, "uncordoned " + node};
    }
  }
  return {UndoOutcome::kNothing, "unknown fault"};
}

}  // namespace rebound::controller::chaos
