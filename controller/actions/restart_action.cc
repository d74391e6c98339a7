#include "controller/actions/restart_action.h"

#include <chrono>

#include "common/time_format.h"
#include "controller/actions/action_support.h"

namespace rebound::controller::actions {
namespace {

constexpr const char* kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

// The restartedAt value of the pod template of `workload`; "" when it was never restarted.
std::string RestartedAt(const nlohmann::json& workload) {
  const nlohmann::json& value =
      JsonAt(workload, {"spec", "template", "metadata", "annotations", kRestartedAtAnnotation});
  return value.is_string() ? value.get<std::string>() : "";
}

class RestartAction final : public Action {
 public:
  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    if (ctx.dry_run) return DryRun("would restart " + ctx.target.ToString());

    const nlohmann::json* plan = PlanOf(ctx);
    const std::string at = plan != nullptr ? plan->value("restartedAt", "") : Next(ctx, *target);
    if (at.empty()) return Failed("invalid_plan", "the restart plan names no restartedAt value");
    if (plan != nullptr && RestartedAt(*target) == at) {
      return Noop(ctx.target.ToString() + " was already restarted (restartedAt " + at + ")");
    }
    nlohmann::json patch;
    patch["spec"]["template"]["metadata"]["annotations"][kRestartedAtAnnotation] = at;
    common::Result<nlohmann::json> patched =
        ctx.kube.Patch(ctx.target.resource(), ctx.target.ns, ctx.target.name,
                       kube::PatchType::kStrategicMerge, patch);
    if (!patched.ok()) {
      if (patched.status().code() == common::StatusCode::kNotFound) {
        return TargetFailure(ctx, patched.status());
      }
      return ApiFailure("cannot restart " + ctx.target.ToString(), patched.status());
    }
    ActionResult result = Done("restarted " + ctx.target.ToString() + " (restartedAt " + at + ")");
    result.rollout_started = true;
    return result;
  }

  // {"restartedAt": "<the value Run() writes>"}.
  nlohmann::json Plan(const ActionContext& ctx) const override {
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    return {{"restartedAt", Next(ctx, target.ok() ? *target : nlohmann::json::object())}};
  }

  std::string Describe() const override { return "rollout restart"; }

 private:
  // The current time as kubectl writes it (whole seconds, Go's time.RFC3339), one second past
  // the value `workload` has when that is not older: an unchanged value would restart nothing.
  static std::string Next(const ActionContext& ctx, const nlohmann::json& workload) {
    auto at = std::chrono::floor<std::chrono::seconds>(ctx.clock.Now());
    common::Result<common::Timestamp> current = common::ParseRfc3339(RestartedAt(workload));
    if (current.ok() && current->ToTimePoint() >= at) {
      at = std::chrono::floor<std::chrono::seconds>(current->ToTimePoint()) +
           std::chrono::seconds(1);
    }
    return common::FormatRfc3339(common::Timestamp::FromTimePoint(at));
  }
};

class RestartActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = true, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {}; }
  std::unique_ptr<Action> Create(const common::StrictMap&) const override {
    return std::make_unique<RestartAction>();
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewRestartActionFactory() {
  return std::make_unique<RestartActionFactory>();
}

}  // namespace rebound::controller::actions
