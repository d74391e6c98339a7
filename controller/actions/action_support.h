// Pieces every built-in action shares: building results, rendering its templates, re-reading
// its target, and reading template parameters from a step. Keeps the actions' Run() about
// their decision rather than about bookkeeping. Pure functions over their arguments (ReadTarget
// calls the API), reentrant.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/yaml_util.h"
#include "controller/actions/action.h"
#include "controller/templates/template.h"

namespace rebound::controller::actions {

ActionResult Done(std::string message);
ActionResult DryRun(std::string message);
ActionResult Noop(std::string message);
ActionResult Refused(std::string reason, std::string message);
ActionResult Failed(std::string reason, std::string message);

// Failed, reason "api_error": "<doing>: <the API's message>".
ActionResult ApiFailure(std::string_view doing, const common::Status& status);

// Failed, reason "template", for the parameter `param` whose Render() failed with `status`
// (which names the missing variable): "cannot render <param>: <why>".
ActionResult TemplateFailure(std::string_view param, const common::Status& status);

// ctx.plan when there is one (not null), else nullptr.
const nlohmann::json* PlanOf(const ActionContext& ctx);

// The target as the API server has it now. Failure: the Status of the read;
// TargetFailure turns it into the result to return.
common::Result<nlohmann::json> ReadTarget(const ActionContext& ctx);
// Failed: "unsupported" for a kind that is not a workload, "target_gone" when the target does
// not exist (NotFound), else "api_error".
ActionResult TargetFailure(const ActionContext& ctx, const common::Status& status);

// Reads the step key `key` as a template. Adds an error at the value (nullopt) when it is not a
// string, is empty, or does not parse; nullopt without an error when the key is absent.
std::optional<templates::Template> TemplateParam(const common::StrictMap& step,
                                                std::string_view key);

// The value at `path` ({"spec", "template"}) of `object`; a null value when a key is missing
// or a step is not an object.
const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path);

// True when the object's (a pod's or a node's) Ready condition has status "True".
bool IsReady(const nlohmann::json& object);

// "https://hooks.example.com": the scheme and host of `url` without user info, path or query,
// which may carry secrets. The text up to the first '/', '?' or '#' when there is no scheme.
std::string UrlOrigin(std::string_view url);

// "1 pod", "3 pods".
std::string Plural(int64_t count, std::string_view singular, std::string_view plural);

}  // namespace rebound::controller::actions
