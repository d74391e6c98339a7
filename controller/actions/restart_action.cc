#include "controller/actions/restart_action.h"

#include <chrono>

#include "common/time_format.h"
#include "controller/actions/action_support.h"

namespace rebound::controller::actions {
namespace {

constexpr const char* kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

class RestartAction final : public Action {
 public:
  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    if (ctx.dry_run) return DryRun("would restart " + ctx.target.ToString());

    // kubectl writes whole seconds (Go's time.RFC3339).
    const std::string now = common::FormatRfc3339(common::Timestamp::FromTimePoint(
        std::chrono::floor<std::chrono::seconds>(ctx.clock.Now())));
    nlohmann::json patch;
    patch["spec"]["template"]["metadata"]["annotations"][kRestartedAtAnnotation] = now;
    common::Result<nlohmann::json> patched =
        ctx.kube.Patch(ctx.target.resource(), ctx.target.ns, ctx.target.name,
                       kube::PatchType::kStrategicMerge, patch);
    if (!patched.ok()) {
      if (patched.status().code() == common::StatusCode::kNotFound) {
        return TargetFailure(ctx, patched.status());
      }
      return ApiFailure("cannot restart " + ctx.target.ToString(), patched.status());
    }
    ActionResult result = Done("restarted " + ctx.target.ToString() + " (restartedAt " + now + ")");
    result.rollout_started = true;
    return result;
  }

  std::string Describe() const override { return "rollout restart"; }
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
