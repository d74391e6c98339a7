// RestApi's scale subresource: an autoscaling/v1 Scale over spec.replicas of a Deployment,
// ReplicaSet or StatefulSet (GET, PUT with the whole Scale, PATCH of the Scale).
#include <optional>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/patch.h"
#include "tools/kubesim/request_options.h"
#include "tools/kubesim/rest_api.h"
#include "tools/kubesim/selectors.h"

namespace rebound::kubesim {
namespace {

nlohmann::json ScaleOf(const nlohmann::json& object) {
  nlohmann::json metadata = {
      {"name", NameOf(object)},
      {"uid", UidOf(object)},
      {"resourceVersion", StringAt(object, "/metadata/resourceVersion")},
      {"creationTimestamp", StringAt(object, "/metadata/creationTimestamp")}};
  if (!NamespaceOf(object).empty()) metadata["namespace"] = NamespaceOf(object);
  const nlohmann::json* selector = Find(object, "/spec/selector");
  auto parsed = LabelSelector::FromJson(selector ? *selector : nlohmann::json());
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", metadata},
          {"spec", {{"replicas", IntAt(object, "/spec/replicas", 0)}}},
          {"status",
           {{"replicas", IntAt(object, "/status/replicas", 0)},
            {"selector", parsed.ok() ? parsed->ToString() : ""}}}};
}

}  // namespace

common::HttpResponse RestApi::Scale(const ApiRequest& api, const common::HttpRequest& request) {
  const ResourceType& type = *api.type;
  if (api.verb == "get") {
    auto object = store_.Get(type, api.ns, api.name);
    if (!object.ok()) return ApiError::FromStatus(object.status(), type, api.name).ToResponse();
    return common::HttpResponse::Json(200, ScaleOf(*object));
  }
  std::optional<PatchType> patch_type;
  std::variant<nlohmann::json, ApiError> body;
  if (api.verb == "patch") {
    std::string_view content_type = request.Header("Content-Type").value_or("");
    patch_type = PatchTypeFromContentType(content_type);
    if (!patch_type) return ApiError::UnsupportedMediaType(content_type).ToResponse();
    body = PatchBody(request);
  } else {
    body = JsonBody(request);
  }
  if (auto* error = std::get_if<ApiError>(&body)) return error->ToResponse();
  const nlohmann::json& input = std::get<nlohmann::json>(body);
  auto make = [&](const nlohmann::json& current) -> Desired {
    nlohmann::json scale = input;
    if (patch_type) {
      auto patched = ApplyPatch(*patch_type, ScaleOf(current), input);
      if (!patched.ok()) return ApiError::BadRequest(patched.status().message());
      scale = std::move(*patched);
    }
    const nlohmann::json* replicas = Find(scale, "/spec/replicas");
    int64_t value = IntAt(scale, "/spec/replicas", -1);
    if (replicas == nullptr || !replicas->is_number_integer() || value < 0 ||
        value > kMaxReplicas) {
      std::string shown = replicas ? replicas->dump() : "null";
      std::string why = value > kMaxReplicas ? ": must be less than or equal to " +
                                                   std::to_string(kMaxReplicas) + " in kubesim"
                                             : ": must be greater than or equal to 0";
      return ApiError::Invalid("Scale.autoscaling", "autoscaling", "Scale", api.name,
                               {{"spec.replicas", "Invalid value: " + shown + why}});
    }
    nlohmann::json desired = current;
    desired["spec"]["replicas"] = value;
    std::string rv = StringAt(scale, "/metadata/resourceVersion");
    if (!rv.empty()) desired["metadata"]["resourceVersion"] = rv;
    return desired;
  };
  return UpdateLoop(api, request, make, ScaleOf);
}

}  // namespace rebound::kubesim
