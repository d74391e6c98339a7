#include "tools/kubesim/discovery.h"

#include <nlohmann/json.hpp>
#include <string>

#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;

constexpr std::string_view kAggregatedType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
constexpr std::string_view kOpenApiHash = "kubesim1";

struct SubresourceInfo {
  std::string name;
  std::string group, version, kind;
};

std::vector<SubresourceInfo> SubresourcesOf(const ResourceType& type) {
  std::vector<SubresourceInfo> out;
  if (type.has_scale) out.push_back({"scale", "autoscaling", "v1", "Scale"});
  if (type.has_status) out.push_back({"status", type.group, type.version, type.kind});
  return out;
}

bool WantsAggregated(std::string_view accept) {
  return accept.find("as=APIGroupDiscoveryList") != std::string_view::npos &&
         accept.find("v=v2;") != std::string_view::npos;
}

json AggregatedResource(const ResourceType& type) {
  json subresources = json::array();
  for (const SubresourceInfo& sub : SubresourcesOf(type)) {
    subresources.push_back(
        {{"subresource", sub.name},
         {"responseKind", {{"group", sub.group}, {"version", sub.version}, {"kind", sub.kind}}},
         {"verbs", {"get", "patch", "update"}}});
  }
  json resource = {
      {"resource", type.resource},
      {"responseKind", {{"group", type.group}, {"version", type.version}, {"kind", type.kind}}},
      {"scope", type.namespaced ? "Namespaced" : "Cluster"},
      {"singularResource", type.singular},
      {"verbs", ResourceVerbs()}};
  if (!type.short_names.empty()) resource["shortNames"] = type.short_names;
  if (!type.categories.empty()) resource["categories"] = type.categories;
  if (!subresources.empty()) resource["subresources"] = subresources;
  return resource;
}

// APIGroupDiscoveryList for the core group (`core` true) or every named group.
json AggregatedList(bool core) {
  json items = json::array();
  for (const std::string& group : ServedGroups()) {
    if (group.empty() != core) continue;
    json resources = json::array();
    for (const ResourceType& type : AllResourceTypes()) {
      if (type.group == group) resources.push_back(AggregatedResource(type));
    }
    items.push_back(
        {{"metadata", {{"name", group}, {"creationTimestamp", nullptr}}},
         {"versions", {{{"version", "v1"}, {"freshness", "Current"}, {"resources", resources}}}}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", items}};
}

json ResourceList(std::string_view group) {
  json resources = json::array();
  std::string group_version;
  for (const ResourceType& type : AllResourceTypes()) {
    if (type.group != group) continue;
    group_version = type.GroupVersion();
    json resource = {{"name", type.resource},
                     {"singularName", type.singular},
                     {"namespaced", type.namespaced},
                     {"kind", type.kind},
                     {"verbs", ResourceVerbs()}};
    if (!type.short_names.empty()) resource["shortNames"] = type.short_names;
    if (!type.categories.empty()) resource["categories"] = type.categories;
    resources.push_back(resource);
    for (const SubresourceInfo& sub : SubresourcesOf(type)) {
      resources.push_back({{"name", type.resource + "/" + sub.name},
                           {"singularName", ""},
                           {"namespaced", type.namespaced},
                           {"group", sub.group},
                           {"version", sub.version},
                           {"kind", sub.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group_version},
          {"resources", resources}};
}

json GroupEntry(const std::string& group) {
  json version = {{"groupVersion", group + "/v1"}, {"version", "v1"}};
  return {{"name", group}, {"versions", {version}}, {"preferredVersion", version}};
}

common::HttpResponse Aggregated(bool core) {
  common::HttpResponse response = common::HttpResponse::Json(200, AggregatedList(core));
  response.content_type = std::string(kAggregatedType);
  return response;
}

// The OpenAPI path of an object of `type` ("/apis/apps/v1/namespaces/{namespace}/...").
std::string ItemPath(const ResourceType& type) {
  std::string base = type.group.empty() ? "/api/v1" : "/apis/" + type.GroupVersion();
  if (type.namespaced) base += "/namespaces/{namespace}";
  return base + "/" + type.resource + "/{name}";
}

std::string OpenApiKey(const ResourceType& type) {
  return type.group.empty() ? "api/v1" : "apis/" + type.GroupVersion();
}

}  // namespace

common::HttpResponse VersionResponse() {
  return common::HttpResponse::Json(200, {{"major", "1"},
                                          {"minor", "32"},
                                          {"gitVersion", "v1.32.4"},
                                          {"gitCommit", "kubesim"},
                                          {"gitTreeState", "clean"},
                                          {"buildDate", "2025-04-22T00:00:00Z"},
                                          {"goVersion", "go1.23.6"},
                                          {"compiler", "gc"},
                                          {"platform", "linux/amd64"}});
}

std::optional<common::HttpResponse> DiscoveryResponse(std::string_view path,
                                                      std::string_view accept,
                                                      std::string_view server_address) {
  if (path == "/api" || path == "/api/") {
    if (WantsAggregated(accept)) return Aggregated(true);
    return common::HttpResponse::Json(
        200, {{"kind", "APIVersions"},
              {"versions", {"v1"}},
              {"serverAddressByClientCIDRs",
               {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}});
  }
  if (path == "/apis" || path == "/apis/") {
    if (WantsAggregated(accept)) return Aggregated(false);
    json groups = json::array();
    for (const std::string& group : ServedGroups()) {
      if (!group.empty()) groups.push_back(GroupEntry(group));
    }
    return common::HttpResponse::Json(
        200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  }
  if (path == "/api/v1") return common::HttpResponse::Json(200, ResourceList(""));
  for (const std::string& group : ServedGroups()) {
    if (group.empty()) continue;
    if (path == "/apis/" + group) {
      json entry = GroupEntry(group);
      entry["kind"] = "APIGroup";
      entry["apiVersion"] = "v1";
      return common::HttpResponse::Json(200, entry);
    }
    if (path == "/apis/" + group + "/v1")
      return common::HttpResponse::Json(200, ResourceList(group));
  }
  return std::nullopt;
}

std::optional<common::HttpResponse> OpenApiResponse(std::string_view path) {
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    json paths = json::object();
    for (const ResourceType& type : AllResourceTypes()) {
      paths[OpenApiKey(type)] = {{"serverRelativeURL", "/openapi/v3/" + OpenApiKey(type) +
                                                           "?hash=" + std::string(kOpenApiHash)}};
    }
    return common::HttpResponse::Json(200, {{"paths", paths}});
  }
  constexpr std::string_view kPrefix = "/openapi/v3/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view key = path.substr(kPrefix.size());
  json paths = json::object();
  for (const ResourceType& type : AllResourceTypes()) {
    if (OpenApiKey(type) != key) continue;
    json parameters = json::array();
    for (const char* name : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
      parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    }
    json gvk = {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
    json operation = {{"x-kubernetes-group-version-kind", gvk},
                      {"parameters", parameters},
                      {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[ItemPath(type)] = {{"get", operation}, {"put", operation}, {"patch", operation}};
  }
  if (paths.empty()) return std::nullopt;
  return common::HttpResponse::Json(200,
                                    {{"openapi", "3.0.0"},
                                     {"info", {{"title", "Kubernetes"}, {"version", "v1.32.4"}}},
                                     {"components", {{"schemas", json::object()}}},
                                     {"paths", paths}});
}

}  // namespace rebound::kubesim
