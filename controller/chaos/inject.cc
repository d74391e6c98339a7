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

// The ready pods of `workload`, in name order.
common::Result<std::vector<nlohmann::json>> ReadyPods(kube::KubeClient& kube,
                                                      const nlohmann::json& workload) {
  const nlohmann::json& selector = actions::JsonAt(workload, {"spec", "selector"});
  common::Result<std::string> query = actions::SelectorQuery(selector);
  if (!query.ok()) return query.status();
  kube::ListOptions options;
  options.label_selector = *query;
  common::Result<kube::ObjectList> pods =
      kube.List(kube::kPods, kube::ObjectNamespace(workload), options);
  if (!pods.ok()) return pods.status();
  std::vector<nlohmann::json> ready;
  for (nlohmann::json& pod : pods->items) {
    if (PodReady(pod)) ready.push_back(std::move(pod));
  }
  std::sort(ready.begin(), ready.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return kube::ObjectName(a) < kube::ObjectName(b);
  });
  return ready;
}

std::string Pods(int n) { return std::to_string(n) + (n == 1 ? " pod" : " pods"); }

}  // namespace

std::string Runner::Run::Choose() {
  const Experiment& e = *experiment_;
  FaultChoice choice;
  choice.type = e.fault.type;
  choice.seed = seed_;
  std::string what;
  if (e.fault.type == FaultType::kPodKill ||
      (e.fault.type == FaultType::kCordonNode && run_.target.kind != TargetKind::kNode)) {
    common::Result<std::vector<nlohmann::json>> ready = ReadyPods(deps_.kube, object_);
    if (!ready.ok()) return "cannot list the pods: " + ready.status().message();
    const int n = static_cast<int>(ready->size());
    if (e.fault.type == FaultType::kCordonNode) {
      if (n == 0) return "no ready pod to find a node by";
      const nlohmann::json& pod = (*ready)[SeededSample(ready->size(), 1, seed_).front()];
      choice.node = kube::StringField(pod, {"spec", "nodeName"});
      if (choice.node.empty()) return "pod " + kube::ObjectName(pod) + " has no node";
      what = "cordon node " + choice.node + " (of pod " + kube::ObjectName(pod) + ")";
    } else {
      choice.count = FaultAmount(e.fault, n);
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
    what = "scale from " + std::to_string(replicas) + " to " +
           std::to_string(*choice.set_replicas) + " replicas";
  }
  run_.fault = std::move(choice);
  // Journaled before anything changes: a restarted daemon knows what to undo.
  Record(RunPhase::kInject,
         (run_.dry_run ? "would " : "chose to ") + what + " (seed " + std::to_string(seed_) + ")");
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
  if (!run_.fault) return;
  const FaultChoice& fault = *run_.fault;
  const RunTarget& target = run_.target;
  std::string done;     // what chaos undid; "" when nothing was its to undo
  std::string note;     // otherwise: why not
  bool failed = false;  // ... because the API refused: the fault may still be in place
  switch (fault.type) {
    case FaultType::kPodKill:
      return;  // the pods' controller replaces them: nothing to undo
    case FaultType::kScaleToZero:
    case FaultType::kScaleDown: {
      const kube::Resource& resource = ResourceOf(target.kind);
      common::Result<kube::Scale> scale = deps_.kube.GetScale(resource, target.ns, target.name);
      if (!scale.ok()) {
        failed = true;
        note = "cannot read the scale to restore it: " + scale.status().message();
      } else if (scale->replicas != *fault.set_replicas) {
        note = "replicas are " + std::to_string(scale->replicas) + ", not the " +
               std::to_string(*fault.set_replicas) + " chaos set: left as they are";
      } else {
        kube::Scale restored = *scale;
        restored.replicas = *fault.previous_replicas;
        common::Result<kube::Scale> updated = deps_.kube.UpdateScale(resource, restored);
        if (updated.ok()) {
          done = "scaled back to " + std::to_string(*fault.previous_replicas) + " replicas";
        } else {
          failed = true;
          note = "restoring " + std::to_string(*fault.previous_replicas) +
                 " replicas failed: " + updated.status().message();
        }
      }
      break;
    }
    case FaultType::kCordonNode: {
      common::Result<nlohmann::json> node = deps_.kube.Get(kube::kNodes, "", fault.node);
      if (!node.ok()) {
        failed = true;
        note = "cannot read node " + fault.node + " to uncordon it: " + node.status().message();
      } else if (actions::JsonAt(*node, {"spec", "unschedulable"}) != true) {
        note = "node " + fault.node + " is schedulable already";
      } else {
        common::Result<nlohmann::json> patched =
            deps_.kube.Patch(kube::kNodes, "", fault.node, kube::PatchType::kMerge,
                             {{"spec", {{"unschedulable", false}}}});
        if (patched.ok()) {
          done = "uncordoned node " + fault.node;
        } else {
          failed = true;
          note = "uncordoning node " + fault.node + " failed: " + patched.status().message();
        }
      }
      break;
    }
  }
  if (!done.empty()) {
    run_.restored_by_chaos = true;
    Record(RunPhase::kRestore, why + ": " + done);
  } else {
    if (failed) {
      spdlog::error("chaos run {}: {} ({})", run_.id, note, target.ToString());
    }
    Record(RunPhase::kRestore, why + ": " + note);
  }
}

}  // namespace rebound::controller::chaos
