#include "controller/actions/notify_action.h"

#include <optional>
#include <utility>

#include "controller/actions/action_support.h"

namespace rebound::controller::actions {
namespace {

class NotifyAction final : public Action {
 public:
  NotifyAction(templates::Template message, bool escalate)
      : message_(std::move(message)), escalate_(escalate) {}

  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<std::string> message = message_.Render(ctx.vars);
    if (!message.ok()) return TemplateFailure("message", message.status());
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    const std::string verb = escalate_ ? "escalate" : "notify";
    if (ctx.dry_run) return DryRun("would " + verb + ": " + *message);

    notify::Notification notification = ctx.notification;
    notification.kind =
        escalate_ ? notify::Notification::Kind::kEscalation : notify::Notification::Kind::kInfo;
    notification.title = *message;
    notification.success = !escalate_;
    notification.dry_run = false;
    ctx.notifier.Notify(std::move(notification));
    return Done((escalate_ ? "escalated: " : "notified: ") + *message);
  }

  std::vector<const templates::Template*> Templates() const override { return {&message_}; }

  std::string Describe() const override {
    return (escalate_ ? "escalate: " : "notify: ") + message_.text();
  }

 private:
  templates::Template message_;
  bool escalate_;
};

class NotifyActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = false, .tells_people = true}; }
  std::vector<std::string> Keys() const override { return {"message", "escalate"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    const size_t errors_before = step.errors().size();
    step.Require("message");
    std::optional<templates::Template> message = TemplateParam(step, "message");
    std::optional<bool> escalate = step.Bool("escalate");
    if (!message || step.errors().size() != errors_before) return nullptr;
    return std::make_unique<NotifyAction>(std::move(*message), escalate.value_or(false));
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewNotifyActionFactory() {
  return std::make_unique<NotifyActionFactory>();
}

}  // namespace rebound::controller::actions
