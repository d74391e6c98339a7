#include "controller/actions/action_support.h"

#include <utility>

namespace rebound::controller::actions {
namespace {

ActionResult MakeResult(ActionResult::Outcome outcome, std::string reason, std::string message) {
  ActionResult result;
  result.outcome = outcome;
  result.reason = std::move(reason);
  result.message = std::move(message);
  return result;
}

}  // namespace

ActionResult Done(std::string message) {
  return MakeResult(ActionResult::Outcome::kDone, "", std::move(message));
}
ActionResult DryRun(std::string message) {
  return MakeResult(ActionResult::Outcome::kDryRun, "", std::move(message));
}
ActionResult Noop(std::string message) {
  return MakeResult(ActionResult::Outcome::kNoop, "", std::move(message));
}
ActionResult Refused(std::string reason, std::string message) {
  return MakeResult(ActionResult::Outcome::kRefused, std::move(reason), std::move(message));
}
ActionResult Failed(std::string reason, std::string message) {
  return MakeResult(ActionResult::Outcome::kFailed, std::move(reason), std::move(message));
}

ActionResult ApiFailure(std::string_view doing, const common::Status& status) {
  return Failed("api_error", std::string(doing) + ": " + status.message());
}

ActionResult TemplateFailure(std::string_view param, const common::Status& status) {
  return Failed("template", "cannot render " + std::string(param) + ": " + status.message());
}

const nlohmann::json* PlanOf(const ActionContext& ctx) {
  return ctx.plan != nullptr && !ctx.plan->is_null() ? ctx.plan : nullptr;
}

common::Result<nlohmann::json> ReadTarget(const ActionContext& ctx) {
  if (WorkloadResource(ctx.target.kind) == nullptr) {
    return common::InvalidArgument("unsupported target kind \"" + ctx.target.kind + "\"");
  }
  return ctx.kube.Get(ctx.target.resource(), ctx.target.ns, ctx.target.name);
}

ActionResult TargetFailure(const ActionContext& ctx, const common::Status& status) {
  if (WorkloadResource(ctx.target.kind) == nullptr) {
    return Failed("unsupported",
                  ctx.target.ToString() + ": only Deployments and StatefulSets can be targets");
  }
  if (status.code() == common::StatusCode::kNotFound) {
    return Failed("target_gone", ctx.target.ToString() + " no longer exists");
  }
  return ApiFailure("cannot read " + ctx.target.ToString(), status);
}

std::optional<templates::Template> TemplateParam(const common::StrictMap& step,
                                                std::string_view key) {
  std::optional<YAML::Node> node = step.Find(key);
  std::optional<std::string> text = step.String(key);
  if (!node || !text) return std::nullopt;
  const std::string name = "\"" + step.Qualified(key) + "\"";
  if (text->empty()) {
    step.errors().Add(*node, name + " must not be empty");
    return std::nullopt;
  }
  common::Result<templates::Template> parsed = templates::Template::Parse(*text);
  if (!parsed.ok()) {
    step.errors().Add(*node, name + ": " + parsed.status().message());
    return std::nullopt;
  }
  return std::move(parsed).value();
}

const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path) {
  static const nlohmann::json kNull;
  const nlohmann::json* node = &object;
  for (std::string_view key : path) {
    if (!node->is_object()) return kNull;
    auto it = node->find(key);
    if (it == node->end()) return kNull;
    node = &*it;
  }
  return *node;
}

bool IsReady(const nlohmann::json& object) {
  const nlohmann::json& conditions = JsonAt(object, {"status", "conditions"});
  if (!conditions.is_array()) return false;
  for (const nlohmann::json& c : conditions) {
    if (JsonAt(c, {"type"}) == "Ready") return JsonAt(c, {"status"}) == "True";
  }
  return false;
}

std::string UrlOrigin(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  // user:password@host: the user info is a credential.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(url.substr(0, authority_start)) + std::string(authority);
}

std::string Plural(int64_t count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

}  // namespace rebound::controller::actions
