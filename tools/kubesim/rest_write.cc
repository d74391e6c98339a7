// RestApi's writes of whole objects: create, update (PUT), patch, delete, deletecollection.
#include <optional>

#include "tools/kubesim/garbage_collector.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/patch.h"
#include "tools/kubesim/request_options.h"
#include "tools/kubesim/rest_api.h"

namespace rebound::kubesim {
namespace {

nlohmann::json Identity(const nlohmann::json& object) { return object; }

// DeleteOptions from the body (if any) and the query string.
struct DeleteOptions {
  Preconditions preconditions;
  std::string propagation = "Background";
  bool dry_run = false;
};

std::variant<DeleteOptions, ApiError> DeleteOptionsOf(const common::HttpRequest& request) {
  DeleteOptions options;
  options.dry_run = IsDryRun(request);
  if (auto policy = request.QueryParam("propagationPolicy")) options.propagation = *policy;
  if (request.body.empty()) return options;
  auto parsed = PatchBody(request);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  const nlohmann::json& body = std::get<nlohmann::json>(parsed);
  options.propagation = StringAt(body, "/propagationPolicy", options.propagation);
  std::string rv = StringAt(body, "/preconditions/resourceVersion");
  if (!rv.empty() && !ParseResourceVersion(rv, options.preconditions.resource_version)) {
    return ApiError::BadRequest("invalid resourceVersion precondition \"" + rv + "\"");
  }
  options.preconditions.uid = StringAt(body, "/preconditions/uid");
  if (const nlohmann::json* dry = Find(body, "/dryRun"); dry && dry->is_array()) {
    for (const nlohmann::json& value : *dry) options.dry_run = options.dry_run || value == "All";
  }
  if (options.propagation != "Background" && options.propagation != "Foreground" &&
      options.propagation != "Orphan") {
    return ApiError::BadRequest("propagationPolicy: Unsupported value: \"" + options.propagation +
                                "\"");
  }
  return options;
}

}  // namespace

common::HttpResponse RestApi::Create(const ApiRequest& api, const common::HttpRequest& request) {
  const ResourceType& type = *api.type;
  auto body = JsonBody(request);
  if (auto* error = std::get_if<ApiError>(&body)) return error->ToResponse();
  nlohmann::json object = std::get<nlohmann::json>(std::move(body));
  if (auto error = PrepareCreate(type, object, ValidationOf(request))) return error->ToResponse();
  if (type.namespaced) {
    std::string body_ns = NamespaceOf(object);
    if (!body_ns.empty() && body_ns != api.ns) {
      return ApiError::BadRequest(
                 "the namespace of the provided object does not match the "
                 "namespace sent on the request")
          .ToResponse();
    }
    if (!store_.Get(TypeOf(Kind::kNamespace), "", api.ns).ok()) {
      return ApiError::NotFound(TypeOf(Kind::kNamespace), api.ns).ToResponse();
    }
    object["metadata"]["namespace"] = api.ns;
  }
  if (IsDryRun(request)) return common::HttpResponse::Json(201, object);
  std::string name = NameOf(object);
  auto created = store_.Create(type, std::move(object));
  if (!created.ok()) return ApiError::FromStatus(created.status(), type, name).ToResponse();
  return common::HttpResponse::Json(201, *created);
}

common::HttpResponse RestApi::Update(const ApiRequest& api, const common::HttpRequest& request) {
  auto body = JsonBody(request);
  if (auto* error = std::get_if<ApiError>(&body)) return error->ToResponse();
  const nlohmann::json& desired = std::get<nlohmann::json>(body);
  return UpdateLoop(
      api, request, [&](const nlohmann::json&) -> Desired { return desired; }, Identity);
}

common::HttpResponse RestApi::Patch(const ApiRequest& api, const common::HttpRequest& request) {
  std::string_view content_type = request.Header("Content-Type").value_or("");
  std::optional<PatchType> patch_type = PatchTypeFromContentType(content_type);
  if (!patch_type) return ApiError::UnsupportedMediaType(content_type).ToResponse();
  auto body = PatchBody(request);
  if (auto* error = std::get_if<ApiError>(&body)) return error->ToResponse();
  const nlohmann::json& patch = std::get<nlohmann::json>(body);
  return UpdateLoop(
      api, request,
      [&](const nlohmann::json& current) -> Desired {
        auto patched = ApplyPatch(*patch_type, current, patch);
        if (!patched.ok()) return ApiError::BadRequest(patched.status().message());
        return std::move(*patched);
      },
      Identity);
}

common::HttpResponse RestApi::Delete(const ApiRequest& api, const common::HttpRequest& request) {
  const ResourceType& type = *api.type;
  auto options = DeleteOptionsOf(request);
  if (auto* error = std::get_if<ApiError>(&options)) return error->ToResponse();
  const DeleteOptions& opts = std::get<DeleteOptions>(options);
  if (opts.dry_run) {
    auto object = store_.Get(type, api.ns, api.name);
    if (!object.ok()) return ApiError::FromStatus(object.status(), type, api.name).ToResponse();
    return common::HttpResponse::Json(200, *object);
  }
  auto deleted = store_.Delete(type, api.ns, api.name, opts.preconditions);
  if (!deleted.ok()) return ApiError::FromStatus(deleted.status(), type, api.name).ToResponse();
  if (opts.propagation == "Orphan") {
    OrphanDependents(store_, api.ns, UidOf(*deleted));
  }
  return common::HttpResponse::Json(200, *deleted);
}

common::HttpResponse RestApi::DeleteCollection(const ApiRequest& api,
                                               const common::HttpRequest& request) {
  const ResourceType& type = *api.type;
  auto filter = FilterOf(api, request);
  if (auto* error = std::get_if<ApiError>(&filter)) return error->ToResponse();
  auto options = DeleteOptionsOf(request);
  if (auto* error = std::get_if<ApiError>(&options)) return error->ToResponse();
  const DeleteOptions& opts = std::get<DeleteOptions>(options);
  nlohmann::json items = nlohmann::json::array();
  for (const nlohmann::json& object : store_.ListObjects(type, api.ns).items) {
    if (!std::get<WatchFilter>(filter).Matches(object)) continue;
    if (opts.dry_run) {
      items.push_back(object);
      continue;
    }
    auto deleted = store_.Delete(type, NamespaceOf(object), NameOf(object));
    if (!deleted.ok()) continue;  // deleted concurrently: already gone
    if (opts.propagation == "Orphan") OrphanDependents(store_, api.ns, UidOf(*deleted));
    items.push_back(std::move(*deleted));
  }
  return common::HttpResponse::Json(
      200, {{"kind", type.kind + "List"},
            {"apiVersion", type.GroupVersion()},
            {"metadata", {{"resourceVersion", std::to_string(store_.CurrentVersion())}}},
            {"items", items}});
}

}  // namespace rebound::kubesim
