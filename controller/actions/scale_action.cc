#include "controller/actions/scale_action.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "controller/actions/action_support.h"
#include "controller/actions/scale_spec.h"
#include "kube/retry_on_conflict.h"

namespace rebound::controller::actions {
namespace {

constexpr int kMaxConflictAttempts = 5;

// `replicas` as written: a spec, or a template rendered into one for each episode.
using ReplicasParam = std::variant<ScaleSpec, templates::Template>;

class ScaleAction final : public Action {
 public:
  ScaleAction(ReplicasParam replicas, std::optional<int64_t> min, std::optional<int64_t> max)
      : replicas_(std::move(replicas)), min_(min), max_(max) {}

  ActionResult Run(const ActionContext& ctx) const override {
    if (WorkloadResource(ctx.target.kind) == nullptr) {
      return TargetFailure(ctx, common::InvalidArgument("unsupported kind"));
    }
    common::Result<ScaleSpec> spec = Spec(ctx);
    if (!spec.ok()) return Failed("template", "cannot render replicas: " + spec.status().message());
    const int64_t floor = Floor(ctx);
    common::Result<ActionResult> result =
        kube::RetryOnConflict(kMaxConflictAttempts, [&]() -> common::Result<ActionResult> {
          common::Result<kube::Scale> scale =
              ctx.kube.GetScale(ctx.target.resource(), ctx.target.ns, ctx.target.name);
          if (!scale.ok()) return TargetFailure(ctx, scale.status());
          const std::optional<ScaleDecision> decision_or =
              Decide(ctx, *spec, scale->replicas, floor);
          if (!decision_or) {
            return Failed("invalid_plan", "the scale plan names no replica count");
          }
          const ScaleDecision& decision = *decision_or;
          const std::string from = std::to_string(scale->replicas);
          const std::string note = decision.note.empty() ? "" : " (" + decision.note + ")";
          if (decision.kind == ScaleDecision::Kind::kRefuse) {
            return Refused(decision.reason, ctx.target.ToString() + " has " + decision.note);
          }
          if (decision.kind == ScaleDecision::Kind::kNoop) {
            return Noop(ctx.target.ToString() + " already has " + from + " replicas" + note);
          }
          const std::string change = ctx.target.ToString() + " from " + from + " to " +
                                     std::to_string(decision.replicas) + " replicas" + note;
          if (ctx.dry_run) return DryRun("would scale " + change);
          kube::Scale wanted = *scale;
          wanted.replicas = static_cast<int32_t>(decision.replicas);
          common::Result<kube::Scale> updated = ctx.kube.UpdateScale(ctx.target.resource(), wanted);
          if (updated.ok()) return Done("scaled " + change);
          if (updated.status().code() == common::StatusCode::kConflict) return updated.status();
          if (updated.status().code() == common::StatusCode::kNotFound) {
            return TargetFailure(ctx, updated.status());
          }
          return ApiFailure("cannot scale " + ctx.target.ToString(), updated.status());
        });
    if (!result.ok()) {
      return Failed("conflict", ctx.target.ToString() + " kept changing while scaling it: " +
                                    result.status().message());
    }
    return std::move(result).value();
  }

  // {"replicas": <the count Run() sets>}; null when it would not scale.
  nlohmann::json Plan(const ActionContext& ctx) const override {
    if (WorkloadResource(ctx.target.kind) == nullptr) return nullptr;
    common::Result<ScaleSpec> spec = Spec(ctx);
    if (!spec.ok()) return nullptr;
    common::Result<kube::Scale> scale =
        ctx.kube.GetScale(ctx.target.resource(), ctx.target.ns, ctx.target.name);
    if (!scale.ok()) return nullptr;
    const ScaleDecision decision = DecideScale(*spec, scale->replicas, Floor(ctx), max_);
    if (decision.kind != ScaleDecision::Kind::kScale) return nullptr;
    return {{"replicas", decision.replicas}};
  }

  std::string Describe() const override {
    std::string bounds;
    if (min_) bounds += "min " + std::to_string(*min_);
    if (max_) bounds += (bounds.empty() ? "" : ", ") + std::string("max ") + std::to_string(*max_);
    const ScaleSpec* spec = std::get_if<ScaleSpec>(&replicas_);
    std::string what = spec == nullptr ? "scale to " + std::get<templates::Template>(replicas_).text()
                       : spec->absolute() ? "scale to " + spec->text()
                                          : "scale " + spec->text();
    return bounds.empty() ? what : what + " (" + bounds + ")";
  }

  std::vector<const templates::Template*> Templates() const override {
    if (const auto* t = std::get_if<templates::Template>(&replicas_)) return {t};
    return {};
  }

 private:
  // The spec for this episode: as written, or the template rendered and parsed.
  common::Result<ScaleSpec> Spec(const ActionContext& ctx) const {
    if (const auto* spec = std::get_if<ScaleSpec>(&replicas_)) return *spec;
    common::Result<std::string> text = std::get<templates::Template>(replicas_).Render(ctx.vars);
    if (!text.ok()) return text.status();
    common::Result<ScaleSpec> spec = ScaleSpec::Parse(*text);
    if (!spec.ok()) return common::InvalidArgument("\"" + *text + "\": " + spec.status().message());
    return spec;
  }

  int64_t Floor(const ActionContext& ctx) const {
    return std::max<int64_t>(ctx.limits.min_replicas, min_.value_or(0));
  }

  // What to do with `current` replicas: the plan's count when there is a plan (nullopt when it
  // names none), else the spec's decision.
  std::optional<ScaleDecision> Decide(const ActionContext& ctx, const ScaleSpec& spec,
                                      int64_t current, int64_t floor) const {
    const nlohmann::json* plan = PlanOf(ctx);
    if (plan == nullptr) return DecideScale(spec, current, floor, max_);
    const nlohmann::json replicas = plan->value("replicas", nlohmann::json());
    if (!replicas.is_number_integer()) return std::nullopt;
    ScaleDecision decision;
    decision.replicas = replicas.get<int64_t>();
    decision.kind =
        decision.replicas == current ? ScaleDecision::Kind::kNoop : ScaleDecision::Kind::kScale;
    return decision;
  }

  ReplicasParam replicas_;
  std::optional<int64_t> min_;
  std::optional<int64_t> max_;
};

class ScaleActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = true, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {"replicas", "min", "max"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    const size_t errors_before = step.errors().size();
    std::optional<int64_t> min = step.Int("min", 0, ScaleSpec::kMaxReplicas);
    std::optional<int64_t> max = step.Int("max", 1, ScaleSpec::kMaxReplicas);
    if (min && max && *min > *max) {
      step.errors().Add(*step.Find("min"), "\"" + step.Qualified("min") + "\" (" +
                                               std::to_string(*min) + ") is above \"" +
                                               step.Qualified("max") + "\" (" +
                                               std::to_string(*max) + ")");
    }
    std::optional<ReplicasParam> replicas = ReadReplicas(step, min, max);
    if (!replicas || step.errors().size() != errors_before) return nullptr;
    return std::make_unique<ScaleAction>(std::move(*replicas), min, max);
  }

 private:
  static std::optional<ReplicasParam> ReadReplicas(const common::StrictMap& step,
                                                   std::optional<int64_t> min,
                                                   std::optional<int64_t> max) {
    if (!step.Require("replicas")) return std::nullopt;
    const YAML::Node node = *step.Find("replicas");
    const std::string name = "\"" + step.Qualified("replicas") + "\"";
    std::optional<std::string> text = step.String("replicas");
    if (!text) return std::nullopt;
    if (text->find("{{") != std::string::npos) {
      // Known per episode only (an alert's annotation or label): any count, so bounded.
      if (!step.Has("max")) {
        step.errors().Add(node, "\"" + step.Qualified("max") + "\" is required with a templated " +
                                    name + ", so that scaling stays bounded");
      }
      std::optional<templates::Template> parsed = TemplateParam(step, "replicas");
      if (!parsed) return std::nullopt;
      return ReplicasParam(std::move(*parsed));
    }
    common::Result<ScaleSpec> spec = ScaleSpec::Parse(*text);
    if (!spec.ok()) {
      step.errors().Add(node, name + ": " + spec.status().message());
      return std::nullopt;
    }
    if (spec->CanIncrease() && !max && !step.Has("max")) {
      step.errors().Add(node, "\"" + step.Qualified("max") + "\" is required with " + name + " " +
                                  spec->text() + ", so that scaling stays bounded");
    }
    if (std::optional<int64_t> absolute = spec->absolute()) {
      if (max && *absolute > *max) {
        step.errors().Add(node,
                          name + " " + spec->text() + " is above max " + std::to_string(*max));
      }
      if (min && *absolute < *min) {
        step.errors().Add(node,
                          name + " " + spec->text() + " is below min " + std::to_string(*min));
      }
    }
    return ReplicasParam(std::move(spec).value());
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewScaleActionFactory() {
  return std::make_unique<ScaleActionFactory>();
}

}  // namespace rebound::controller::actions
