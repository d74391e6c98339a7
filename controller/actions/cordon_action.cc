#include "controller/actions/cordon_action.h"

#include <optional>
#include <utility>

#include "controller/actions/action_support.h"
#include "kube/object.h"

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

constexpr const char* kCordonedByValue = "rebound";

bool IsUnschedulable(const json& node) { return JsonAt(node, {"spec", "unschedulable"}) == true; }

class CordonAction final : public Action {
 public:
  explicit CordonAction(templates::Template node) : node_(std::move(node)) {}

  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<std::string> name = node_.Render(ctx.vars);
    if (!name.ok()) return TemplateFailure("node", name.status());
    common::Result<json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());

    common::Result<json> node = ctx.kube.Get(kube::kNodes, "", *name);
    if (node.status().code() == common::StatusCode::kNotFound) {
      return Failed("not_found", "node " + *name + " does not exist");
    }
    if (!node.ok()) return ApiFailure("cannot read node " + *name, node.status());
    if (IsUnschedulable(*node)) return Noop("node " + *name + " is already cordoned");

    common::Result<kube::ObjectList> nodes = ctx.kube.List(kube::kNodes, "", {});
    if (!nodes.ok()) return ApiFailure("cannot list nodes", nodes.status());
    if (std::optional<ActionResult> refusal = CheckBlastRadius(ctx, *name, nodes->items)) {
      return *refusal;
    }
    if (ctx.dry_run) return DryRun("would cordon node " + *name);

    json patch;
    patch["metadata"]["annotations"][kCordonedByAnnotation] = kCordonedByValue;
    patch["spec"]["unschedulable"] = true;
    common::Result<json> patched =
        ctx.kube.Patch(kube::kNodes, "", *name, kube::PatchType::kMerge, patch);
    if (!patched.ok()) return ApiFailure("cannot cordon node " + *name, patched.status());
    return Done("cordoned node " + *name);
  }

  std::vector<const templates::Template*> Templates() const override { return {&node_}; }

  std::string Describe() const override { return "cordon node " + node_.text(); }

 private:
  static std::optional<ActionResult> CheckBlastRadius(const ActionContext& ctx,
                                                      const std::string& name,
                                                      const std::vector<json>& nodes) {
    int64_t schedulable_left = 0;
    int64_t cordoned_by_us = 0;
    for (const json& node : nodes) {
      if (IsUnschedulable(node)) {
        cordoned_by_us += kube::ObjectAnnotation(node, kCordonedByAnnotation) == kCordonedByValue;
      } else if (kube::ObjectName(node) != name && IsReady(node)) {
        ++schedulable_left;
      }
    }
    if (schedulable_left == 0) {
      return Refused("blast_radius",
                     "cordoning node " + name + " would leave no schedulable Ready node");
    }
    if (cordoned_by_us + 1 > ctx.limits.max_nodes) {
      return Refused("blast_radius", "cordoning node " + name + " would make " +
                                         std::to_string(cordoned_by_us + 1) +
                                         " nodes cordoned by Rebound; the limit is " +
                                         std::to_string(ctx.limits.max_nodes) + " (max_nodes)");
    }
    return std::nullopt;
  }

  templates::Template node_;
};

class CordonActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = true, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {"node"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    if (!step.Require("node")) return nullptr;
    std::optional<templates::Template> node = TemplateParam(step, "node");
    if (!node) return nullptr;
    return std::make_unique<CordonAction>(std::move(*node));
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewCordonActionFactory() {
  return std::make_unique<CordonActionFactory>();
}

}  // namespace rebound::controller::actions
