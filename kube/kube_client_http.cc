#include "kube/kube_client_http.h"

#include <fmt/format.h>

#include "kube/object.h"

namespace rebound::kube {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr const char* kListPageSize = "500";

// List items may omit kind and apiVersion; fill them in so that each item stands alone.
void FillKind(json& object, const Resource& resource) {
  if (!object.is_object()) return;
  if (!object.contains("kind")) object["kind"] = resource.kind;
  if (!object.contains("apiVersion")) object["apiVersion"] = resource.ApiVersion();
}

common::Status NoScale(const Resource& resource) {
  return common::InvalidArgument(
      fmt::format("{} have no scale subresource", resource.QualifiedName()));
}

template <typename T>
common::Result<T> Decoded(common::Result<T> value, const ApiRequest& request) {
  if (!value.ok()) {
    return common::Internal(
        fmt::format("{}: unexpected response: {}", request.Describe(), value.status().message()));
  }
  return value;
}

}  // namespace

KubeClientHttp::KubeClientHttp(KubeConnection connection, KubeClientDeps deps,
                               KubeClientOptions options)
    : executor_(std::move(connection), deps, std::move(options)) {}

common::Result<json> KubeClientHttp::Get(const Resource& resource, std::string_view ns,
                                         std::string_view name) {
  ApiRequest request = ApiRequest::For(Verb::kGet, resource, ns, name);
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (object.ok()) FillKind(*object, resource);
  return object;
}

common::Result<ObjectList> KubeClientHttp::List(const Resource& resource, std::string_view ns,
                                                const ListOptions& options) {
  ApiRequest request = ApiRequest::For(Verb::kList, resource, ns, "");
  request.idempotent = true;
  ObjectList list;
  std::string continue_token;
  do {
    request.query.clear();
    if (!options.label_selector.empty())
      request.query.emplace_back("labelSelector", options.label_selector);
    if (!options.field_selector.empty())
      request.query.emplace_back("fieldSelector", options.field_selector);
    request.query.emplace_back("limit", kListPageSize);
    if (!continue_token.empty()) request.query.emplace_back("continue", continue_token);
    common::Result<json> page = executor_.Execute(request);
    if (!page.ok()) return page.status();
    auto items = page->is_object() ? page->find("items") : page->end();
    if (!page->is_object() || (items != page->end() && !items->is_null() && !items->is_array())) {
      return common::Internal(request.Describe() + ": unexpected response: no list of items");
    }
    if (items != page->end() && items->is_array()) {
      for (json& item : *items) {
        FillKind(item, resource);
        list.items.push_back(std::move(item));
      }
    }
    list.resource_version = StringField(*page, {"metadata", "resourceVersion"});
    continue_token = StringField(*page, {"metadata", "continue"});
  } while (!continue_token.empty());
  return list;
}

common::Result<json> KubeClientHttp::Patch(const Resource& resource, std::string_view ns,
                                           std::string_view name, PatchType type,
                                           const json& patch) {
  ApiRequest request = ApiRequest::For(Verb::kPatch, resource, ns, name);
  request.content_type = type == PatchType::kStrategicMerge
                             ? "application/strategic-merge-patch+json"
                             : "application/merge-patch+json";
  request.body = patch.dump();
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (object.ok()) FillKind(*object, resource);
  return object;
}

common::Result<Scale> KubeClientHttp::GetScale(const Resource& resource, std::string_view ns,
                                               std::string_view name) {
  if (!resource.has_scale) return NoScale(resource);
  ApiRequest request = ApiRequest::For(Verb::kGet, resource, ns, name, "scale");
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (!object.ok()) return object.status();
  return Decoded(ScaleFromJson(*object), request);
}

common::Result<Scale> KubeClientHttp::UpdateScale(const Resource& resource, const Scale& scale) {
  if (!resource.has_scale) return NoScale(resource);
  ApiRequest request = ApiRequest::For(Verb::kUpdate, resource, scale.ns, scale.name, "scale");
  request.content_type = kJson;
  request.body = ScaleToJson(scale).dump();
  request.idempotent = !scale.resource_version.empty();
  common::Result<json> object = executor_.Execute(request);
  if (!object.ok()) return object.status();
  return Decoded(ScaleFromJson(*object), request);
}

common::Status KubeClientHttp::DeletePod(std::string_view ns, std::string_view name,
                                         const DeleteOptions& options) {
  ApiRequest request = ApiRequest::For(Verb::kDelete, kPods, ns, name);
  json body = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.uid.empty()) body["preconditions"]["uid"] = options.uid;
  if (!options.resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.resource_version;
  }
  request.content_type = kJson;
  request.body = body.dump();
  request.idempotent = !options.uid.empty();
  return executor_.Execute(request).status();
}

common::Result<json> KubeClientHttp::CreateEvent(std::string_view ns, const json& event) {
  ApiRequest request = ApiRequest::For(Verb::kCreate, kEvents, ns, "");
  json body = event;
  FillKind(body, kEvents);
  request.content_type = kJson;
  request.body = body.dump();
  request.idempotent = true;
  return executor_.Execute(request);
}

common::Result<Lease> KubeClientHttp::GetLease(std::string_view ns, std::string_view name) {
  ApiRequest request = ApiRequest::For(Verb::kGet, kLeases, ns, name);
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (!object.ok()) return object.status();
  return Decoded(LeaseFromJson(*object), request);
}

common::Result<Lease> KubeClientHttp::CreateLease(const Lease& lease) {
  Lease fresh = lease;
  fresh.resource_version.clear();
  ApiRequest request = ApiRequest::For(Verb::kCreate, kLeases, lease.ns, "");
  request.content_type = kJson;
  request.body = LeaseToJson(fresh).dump();
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (!object.ok()) return object.status();
  return Decoded(LeaseFromJson(*object), request);
}

common::Result<Lease> KubeClientHttp::UpdateLease(const Lease& lease) {
  ApiRequest request = ApiRequest::For(Verb::kUpdate, kLeases, lease.ns, lease.name);
  if (lease.resource_version.empty()) {
    return common::InvalidArgument(request.Describe() +
                                   ": the resourceVersion read with the lease is required");
  }
  request.content_type = kJson;
  request.body = LeaseToJson(lease).dump();
  request.idempotent = true;
  common::Result<json> object = executor_.Execute(request);
  if (!object.ok()) return object.status();
  return Decoded(LeaseFromJson(*object), request);
}

}  // namespace rebound::kube
