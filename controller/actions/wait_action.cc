#include "controller/actions/wait_action.h"

#include <optional>

#include "common/duration.h"
#include "controller/actions/action_support.h"

namespace rebound::controller::actions {
namespace {

class WaitAction final : public Action {
 public:
  explicit WaitAction(std::chrono::milliseconds duration) : duration_(duration) {}

  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    const std::string how_long = common::FormatDuration(duration_);
    if (ctx.dry_run) return DryRun("would wait " + how_long);
    if (!ctx.sleeper.SleepFor(duration_, ctx.stop)) {
      return Failed("stopped", "stopped while waiting " + how_long);
    }
    return Done("waited " + how_long);
  }

  std::string Describe() const override { return "wait " + common::FormatDuration(duration_); }

 private:
  std::chrono::milliseconds duration_;
};

class WaitActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = false, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {"duration"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    if (!step.Require("duration")) return nullptr;
    std::optional<std::chrono::milliseconds> duration =
        step.Duration("duration", std::chrono::milliseconds(1));
    if (!duration) return nullptr;
    return std::make_unique<WaitAction>(*duration);
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewWaitActionFactory() {
  return std::make_unique<WaitActionFactory>();
}

}  // namespace rebound::controller::actions
