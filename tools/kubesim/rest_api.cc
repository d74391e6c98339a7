#include "tools/kubesim/rest_api.h"

#include <charconv>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/request_options.h"
#include "tools/kubesim/tables.h"
#include "tools/kubesim/watch.h"

namespace rebound::kubesim {
namespace {

// Attempts of a read-modify-write before giving up with 409 (a controller keeps winning).
constexpr int kUpdateAttempts = 8;

}  // namespace

common::HttpResponse RestApi::Serve(const ApiRequest& api, const common::HttpRequest& request) {
  if (api.subresource == "scale") return Scale(api, request);
  const std::string& verb = api.verb;
  if (verb == "get" || verb == "list" || verb == "watch") return Read(api, request);
  if (verb == "create") return Create(api, request);
  if (verb == "update") return Update(api, request);
  if (verb == "patch") return Patch(api, request);
  if (verb == "delete") return Delete(api, request);
  return DeleteCollection(api, request);
}

common::HttpResponse RestApi::Read(const ApiRequest& api, const common::HttpRequest& request) {
  const ResourceType& type = *api.type;
  bool table = WantsTable(request.Header("Accept").value_or(""));
  if (api.verb == "get") {
    auto object = store_.Get(type, api.ns, api.name);
    if (!object.ok()) return ApiError::FromStatus(object.status(), type, api.name).ToResponse();
    if (table) {
      return common::HttpResponse::Json(
          200, ToTable(type, {*object}, ResourceVersionOf(*object), clock_.Now()));
    }
    return common::HttpResponse::Json(200, *object);
  }
  auto filter = FilterOf(api, request);
  if (auto* error = std::get_if<ApiError>(&filter)) return error->ToResponse();
  if (api.verb == "watch") {
    WatchOptions options;
    options.type = &type;
    options.filter = std::get<WatchFilter>(std::move(filter));
    options.resource_version = request.QueryParam("resourceVersion").value_or("");
    options.table = table;
    std::string timeout = request.QueryParam("timeoutSeconds").value_or("");
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(timeout.data(), timeout.data() + timeout.size(), seconds);
    if (!timeout.empty() && ec == std::errc() && ptr == timeout.data() + timeout.size() &&
        seconds > 0) {
      options.timeout = std::chrono::seconds(seconds);
    }
    return WatchResponse(store_, clock_, std::move(options));
  }
  ObjectStore::List list = store_.ListObjects(type, api.ns);
  std::vector<nlohmann::json> items;
  for (nlohmann::json& object : list.items) {
    if (std::get<WatchFilter>(filter).Matches(object)) items.push_back(std::move(object));
  }
  if (table) {
    return common::HttpResponse::Json(200,
                                      ToTable(type, items, list.resource_version, clock_.Now()));
  }
  return common::HttpResponse::Json(
      200, {{"kind", type.kind + "List"},
            {"apiVersion", type.GroupVersion()},
            {"metadata", {{"resourceVersion", std::to_string(list.resource_version)}}},
            {"items", items}});
}

common::HttpResponse RestApi::UpdateLoop(const ApiRequest& api, const common::HttpRequest& request,
                                         const MakeDesired& make, const Render& render) {
  const ResourceType& type = *api.type;
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    auto current = store_.Get(type, api.ns, api.name);
    if (!current.ok()) return ApiError::FromStatus(current.status(), type, api.name).ToResponse();
    Desired made = make(*current);
    if (auto* error = std::get_if<ApiError>(&made)) return error->ToResponse();
    nlohmann::json desired = std::get<nlohmann::json>(std::move(made));
    std::string client_rv = StringAt(desired, "/metadata/resourceVersion");
    if (!client_rv.empty() && client_rv != StringAt(*current, "/metadata/resourceVersion")) {
      return ApiError::Conflict(type, api.name).ToResponse();
    }
    if (NameOf(desired) != api.name) {
      return ApiError::BadRequest("the name of the object (" + NameOf(desired) +
                                  ") does not match the name on the URL (" + api.name + ")")
          .ToResponse();
    }
    if (type.namespaced) EnsureObject(desired, "/metadata")["namespace"] = api.ns;
    if (auto error = PrepareUpdate(type, *current, desired, api.subresource == "status",
                                   ValidationOf(request))) {
      return error->ToResponse();
    }
    if (IsDryRun(request)) return common::HttpResponse::Json(200, render(desired));
    auto stored = store_.Replace(type, std::move(desired), ResourceVersionOf(*current));
    if (stored.ok()) return common::HttpResponse::Json(200, render(*stored));
    if (stored.status().code() != common::StatusCode::kConflict) {
      return ApiError::FromStatus(stored.status(), type, api.name).ToResponse();
    }
  }
  return ApiError::Conflict(type, api.name).ToResponse();
}

}  // namespace rebound::kubesim
