#include "controller/actions/delete_pod_action.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include "controller/actions/action_support.h"
#include "controller/actions/disruption_guards.h"
#include "controller/actions/workload_pods.h"
#include "kube/object.h"

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

constexpr int64_t kMaxCount = 1000;

// "shop/web-7d9-abc (not ready, 3 restarts)": what a log reader wants to know about a victim.
std::string DescribePod(const json& pod) {
  return kube::ObjectNamespace(pod) + "/" + kube::ObjectName(pod) + " (" +
         (IsReady(pod) ? "ready" : "not ready") + ", " +
         Plural(RestartCount(pod), "restart", "restarts") + ")";
}

std::string JoinPods(const std::vector<json>& pods) {
  std::string out;
  for (const json& pod : pods) out += (out.empty() ? "" : ", ") + DescribePod(pod);
  return out;
}

// The `count` least healthy pods among those not already terminating.
std::vector<json> LeastHealthy(const std::vector<json>& pods, int64_t count) {
  std::vector<json> candidates;
  std::copy_if(pods.begin(), pods.end(), std::back_inserter(candidates),
               [](const json& pod) { return !IsTerminating(pod); });
  std::stable_sort(candidates.begin(), candidates.end(), [](const json& a, const json& b) {
    return std::tuple(IsReady(a), -RestartCount(a), kube::ObjectName(a)) <
           std::tuple(IsReady(b), -RestartCount(b), kube::ObjectName(b));
  });
  if (static_cast<int64_t>(candidates.size()) > count) candidates.resize(count);
  return candidates;
}

class DeletePodAction final : public Action {
 public:
  DeletePodAction(std::optional<templates::Template> pod, int64_t count)
      : pod_(std::move(pod)), count_(count) {}

  ActionResult Run(const ActionContext& ctx) const override {
    std::variant<ActionResult, Choice> chosen = Choose(ctx);
    if (ActionResult* result = std::get_if<ActionResult>(&chosen)) return *result;
    const auto& [pods, victims] = std::get<Choice>(chosen);

    const int64_t terminating = std::count_if(pods.begin(), pods.end(), IsTerminating);
    if (auto refusal =
            CheckBlastRadius(ctx.target, ctx.limits, pods.size(), terminating, victims.size())) {
      return *refusal;
    }
    common::Result<std::optional<ActionResult>> budget =
        CheckDisruptionBudgets(ctx.kube, ctx.target.ns, victims);
    if (!budget.ok()) {
      return ApiFailure("cannot check the PodDisruptionBudgets in namespace " + ctx.target.ns,
                        budget.status());
    }
    if (*budget) return **budget;

    if (ctx.dry_run) return DryRun("would delete " + PodsOf(ctx, victims));
    return Delete(ctx, victims);
  }

  // {"pods": [{"name": ..., "uid": ...}]}: the pods Run() deletes; null when it would delete
  // none.
  json Plan(const ActionContext& ctx) const override {
    std::variant<ActionResult, Choice> chosen = Choose(ctx);
    const Choice* choice = std::get_if<Choice>(&chosen);
    if (choice == nullptr) return nullptr;
    json pods = json::array();
    for (const json& pod : choice->victims) {
      pods.push_back({{"name", kube::ObjectName(pod)}, {"uid", kube::ObjectUid(pod)}});
    }
    return {{"pods", std::move(pods)}};
  }

  std::vector<const templates::Template*> Templates() const override {
    if (!pod_) return {};
    return {&*pod_};
  }

  std::string Describe() const override {
    if (pod_) return "delete pod " + pod_->text();
    return "delete the " + (count_ == 1 ? std::string("least healthy pod")
                                        : std::to_string(count_) + " least healthy pods");
  }

 private:
  struct Choice {
    std::vector<json> pods;     // the workload's pods
    std::vector<json> victims;  // those to delete
  };

  // The pods to delete — the plan's (by uid), the named one, or the least healthy — or the
  // result to report instead.
  std::variant<ActionResult, Choice> Choose(const ActionContext& ctx) const {
    std::optional<std::string> pod_name;
    if (pod_) {
      common::Result<std::string> rendered = pod_->Render(ctx.vars);
      if (!rendered.ok()) return TemplateFailure("pod", rendered.status());
      pod_name = *rendered;
    }
    common::Result<json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    common::Result<std::vector<json>> pods = ListWorkloadPods(ctx.kube, *target);
    if (!pods.ok()) {
      return ApiFailure("cannot list the pods of " + ctx.target.ToString(), pods.status());
    }
    Choice choice{std::move(*pods), {}};
    if (const json* plan = PlanOf(ctx)) return Planned(ctx, *plan, std::move(choice));
    if (pod_name) {
      auto named = std::find_if(choice.pods.begin(), choice.pods.end(), [&](const json& pod) {
        return kube::ObjectName(pod) == *pod_name;
      });
      if (named == choice.pods.end()) return NamedPodNotOwned(ctx, *pod_name);
      if (IsTerminating(*named)) {
        return Noop("pod " + ctx.target.ns + "/" + *pod_name + " is already terminating");
      }
      choice.victims.push_back(*named);
    } else {
      choice.victims = LeastHealthy(choice.pods, count_);
      if (choice.victims.empty()) return Noop(ctx.target.ToString() + " has no pods to delete");
    }
    return choice;
  }

  // The pods of `plan` still there and not terminating; a noop when none is.
  static std::variant<ActionResult, Choice> Planned(const ActionContext& ctx, const json& plan,
                                                    Choice choice) {
    const json& planned = JsonAt(plan, {"pods"});
    if (!planned.is_array() || planned.empty()) {
      return Failed("invalid_plan", "the delete_pod plan names no pods");
    }
    std::string names;
    for (const json& entry : planned) {
      const json& uid = JsonAt(entry, {"uid"});
      const json& name = JsonAt(entry, {"name"});
      names += (names.empty() ? "" : ", ") + (name.is_string() ? name.get<std::string>() : "?");
      auto pod = std::find_if(choice.pods.begin(), choice.pods.end(), [&](const json& p) {
        return uid.is_string() && kube::ObjectUid(p) == uid.get<std::string>();
      });
      if (pod != choice.pods.end() && !IsTerminating(*pod)) choice.victims.push_back(*pod);
    }
    if (choice.victims.empty()) {
      return Noop("the pods planned for deletion (" + names + ") of " + ctx.target.ToString() +
                  " are already gone or terminating");
    }
    return choice;
  }

  static std::string PodsOf(const ActionContext& ctx, const std::vector<json>& pods) {
    return (pods.size() == 1 ? "pod " : "pods ") + JoinPods(pods) + " of " + ctx.target.ToString();
  }

  // A named pod outside the workload's pods: gone (nothing to do) or someone else's.
  static ActionResult NamedPodNotOwned(const ActionContext& ctx, const std::string& name) {
    common::Result<json> pod = ctx.kube.Get(kube::kPods, ctx.target.ns, name);
    if (pod.status().code() == common::StatusCode::kNotFound) {
      return Noop("pod " + ctx.target.ns + "/" + name + " is already gone");
    }
    if (!pod.ok()) return ApiFailure("cannot read pod " + ctx.target.ns + "/" + name, pod.status());
    return Failed("not_owned", "pod " + ctx.target.ns + "/" + name + " does not belong to " +
                                   ctx.target.ToString() + "; not deleting it");
  }

  static ActionResult Delete(const ActionContext& ctx, const std::vector<json>& victims) {
    std::vector<json> deleted;
    std::vector<json> gone;
    for (const json& pod : victims) {
      kube::DeleteOptions options;
      options.uid = kube::ObjectUid(pod);
      common::Status status = ctx.kube.DeletePod(ctx.target.ns, kube::ObjectName(pod), options);
      // Conflict: the uid precondition failed, so the pod chosen is gone and a new one holds
      // its name.
      if (status.code() == common::StatusCode::kNotFound ||
          status.code() == common::StatusCode::kConflict) {
        gone.push_back(pod);
      } else if (status.ok()) {
        deleted.push_back(pod);
      } else {
        std::string done = deleted.empty() ? "" : " after deleting " + JoinPods(deleted);
        return ApiFailure("cannot delete pod " + DescribePod(pod) + done, status);
      }
    }
    std::string already = gone.empty() ? "" : JoinPods(gone) + " already gone";
    if (deleted.empty()) return Noop(PodsOf(ctx, gone) + " already gone");
    return Done("deleted " + PodsOf(ctx, deleted) + (already.empty() ? "" : "; " + already));
  }

  std::optional<templates::Template> pod_;
  int64_t count_;
};

class DeletePodActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = true, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {"pod", "count"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    const size_t errors_before = step.errors().size();
    std::optional<templates::Template> pod = TemplateParam(step, "pod");
    std::optional<int64_t> count = step.Int("count", 1, kMaxCount);
    if (step.Has("pod") && step.Has("count")) {
      step.errors().Add(*step.Find("count"), "\"" + step.Qualified("count") +
                                                 "\" cannot be used with \"" +
                                                 step.Qualified("pod") + "\" (one named pod)");
    }
    if (step.errors().size() != errors_before) return nullptr;
    return std::make_unique<DeletePodAction>(std::move(pod), count.value_or(1));
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewDeletePodActionFactory() {
  return std::make_unique<DeletePodActionFactory>();
}

}  // namespace rebound::controller::actions
