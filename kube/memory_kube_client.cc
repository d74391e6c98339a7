#include "kube/memory_kube_client.h"

#include <sstream>
#include <utility>

#include "kube/api_error.h"
#include "kube/object.h"

namespace rebound::kube {
namespace {

common::Status Error(const ApiRequest& request, int code, const std::string& reason,
                     const std::string& message) {
  nlohmann::json body = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                         {"reason", reason}, {"message", message}, {"code", code}};
  return ErrorFromResponse(request, code, body.dump());
}

common::Status NotFound(const ApiRequest& request) {
  return Error(request, 404, "NotFound",
               request.resource.QualifiedName() + " \"" + request.name + "\" not found");
}

common::Status ConflictError(const ApiRequest& request) {
  return Error(request, 409, "Conflict",
               "Operation cannot be fulfilled on " + request.resource.QualifiedName() + " \"" +
                   request.name +
                   "\": the object has been modified; please apply your changes to the latest "
                   "version and try again");
}

Scale ScaleOf(const nlohmann::json& object) {
  Scale scale;
  scale.name = ObjectName(object);
  scale.ns = ObjectNamespace(object);
  scale.resource_version = ObjectResourceVersion(object);
  const nlohmann::json& spec = object.contains("spec") ? object["spec"] : nlohmann::json();
  const nlohmann::json& status = object.contains("status") ? object["status"] : nlohmann::json();
  if (spec.is_object() && spec.contains("replicas"))
    scale.replicas = spec["replicas"].get<int32_t>();
  if (status.is_object() && status.contains("replicas")) {
    scale.status_replicas = status["replicas"].get<int32_t>();
  }
  if (spec.is_object() && spec.contains("selector") && spec["selector"].contains("matchLabels")) {
    for (const auto& [key, value] : spec["selector"]["matchLabels"].items()) {
      scale.selector += (scale.selector.empty() ? "" : ",") + key + "=" + value.get<std::string>();
    }
  }
  return scale;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

common::Result<bool> MatchesLabels(const nlohmann::json& object, const std::string& selector) {
  for (const std::string& term : Split(selector)) {
    if (term.find(" in ") != std::string::npos || term.find("notin") != std::string::npos) {
      return common::InvalidArgument(
          "the in-memory Kubernetes API supports only equality label selectors: " + term);
    }
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (ne != std::string::npos) {
      if (ObjectLabel(object, term.substr(0, ne)) == term.substr(ne + 2)) return false;
    } else if (eq != std::string::npos) {
      size_t value_at = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      if (ObjectLabel(object, term.substr(0, eq)) != term.substr(value_at)) return false;
    } else if (term.front() == '!') {
      if (ObjectLabel(object, term.substr(1))) return false;
    } else if (!ObjectLabel(object, term)) {
      return false;
    }
  }
  return true;
}

bool MatchesFields(const nlohmann::json& object, const std::string& selector) {
  for (const std::string& term : Split(selector)) {
    size_t eq = term.find('=');
    if (eq == std::string::npos) return false;
    const nlohmann::json* node = &object;
    std::stringstream path(term.substr(0, eq));
    for (std::string key; std::getline(path, key, '.');) {
      if (!node->is_object() || !node->contains(key)) return false;
      node = &(*node)[key];
    }
    if (!node->is_string() || node->get<std::string>() != term.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace

nlohmann::json MemoryKubeStore::Put(const Resource& resource, nlohmann::json object) {
  std::lock_guard lock(mu_);
  return PutLocked(resource, std::move(object));
}

std::optional<nlohmann::json> MemoryKubeStore::Find(const Resource& resource, const std::string& ns,
                                                    const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find({std::string(resource.plural), ns, name});
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::map<MemoryKubeStore::Key, nlohmann::json> MemoryKubeStore::Snapshot() const {
  std::lock_guard lock(mu_);
  return objects_;
}

size_t MemoryKubeStore::Count(const Resource& resource) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, object] : objects_) n += std::get<0>(key) == resource.plural;
  return n;
}

nlohmann::json MemoryKubeStore::PutLocked(const Resource& resource, nlohmann::json object) {
  object["kind"] = resource.kind;
  object["apiVersion"] = resource.ApiVersion();
  nlohmann::json& metadata = object["metadata"];
  if (ObjectName(object).empty() && metadata.contains("generateName")) {
    metadata["name"] = metadata["generateName"].get<std::string>() + std::to_string(++generated_);
  }
  if (ObjectUid(object).empty()) metadata["uid"] = "uid-" + std::to_string(++generated_);
  if (!metadata.contains("creationTimestamp"))
    metadata["creationTimestamp"] = "2026-01-01T00:00:00Z";
  metadata["resourceVersion"] = std::to_string(++resource_version_);
  objects_[{std::string(resource.plural), ObjectNamespace(object), ObjectName(object)}] = object;
  return object;
}

void MemoryKubeClient::FailNext(Verb verb, const std::string& rbac_resource, common::Status status,
                                int times) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) failures_.push_back({verb, rbac_resource, status});
}

void MemoryKubeClient::FailAll(std::optional<common::Status> status) {
  std::lock_guard lock(mu_);
  fail_all_ = std::move(status);
}

std::vector<std::string> MemoryKubeClient::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

common::Status MemoryKubeClient::Begin(const ApiRequest& request) {
  std::lock_guard lock(mu_);
  calls_.push_back(request.Describe());
  if (fail_all_) return *fail_all_;
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    if (it->verb == request.verb && it->resource == request.RbacResource()) {
      common::Status status = it->status;
      failures_.erase(it);
      return status;
    }
  }
  return request.PathAndQuery().status();
}

const nlohmann::json* MemoryKubeClient::FindLocked(const ApiRequest& request) const {
  auto it = store_.objects_.find({std::string(request.resource.plural), request.ns, request.name});
  return it == store_.objects_.end() ? nullptr : &it->second;
}

common::Result<nlohmann::json> MemoryKubeClient::Get(const Resource& resource, std::string_view ns,
                                                     std::string_view name) {
  ApiRequest request = ApiRequest::For(Verb::kGet, resource, ns, name);
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* object = FindLocked(request);
  if (object == nullptr) return NotFound(request);
  return *object;
}

common::Result<ObjectList> MemoryKubeClient::List(const Resource& resource, std::string_view ns,
                                                  const ListOptions& options) {
  ApiRequest request = ApiRequest::For(Verb::kList, resource, ns, "");
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  ObjectList list;
  list.resource_version = std::to_string(store_.resource_version_);
  for (const auto& [key, object] : store_.objects_) {
    if (std::get<0>(key) != resource.plural || (!ns.empty() && std::get<1>(key) != ns)) continue;
    common::Result<bool> labels = MatchesLabels(object, options.label_selector);
    if (!labels.ok()) return labels.status();
    if (*labels && MatchesFields(object, options.field_selector)) list.items.push_back(object);
  }
  return list;
}

common::Result<nlohmann::json> MemoryKubeClient::Patch(const Resource& resource,
                                                       std::string_view ns, std::string_view name,
                                                       PatchType, const nlohmann::json& patch) {
  ApiRequest request = ApiRequest::For(Verb::kPatch, resource, ns, name);
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* current = FindLocked(request);
  if (current == nullptr) return NotFound(request);
  std::string wanted_rv = ObjectResourceVersion(patch);
  if (!wanted_rv.empty() && wanted_rv != ObjectResourceVersion(*current)) {
    return ConflictError(request);
  }
  nlohmann::json patched = *current;
  patched.merge_patch(patch);
  patched["metadata"]["resourceVersion"] = ObjectResourceVersion(*current);
  if (patched == *current) return patched;  // a no-op keeps its resourceVersion
  return store_.PutLocked(resource, std::move(patched));
}

common::Result<Scale> MemoryKubeClient::GetScale(const Resource& resource, std::string_view ns,
                                                 std::string_view name) {
  ApiRequest request = ApiRequest::For(Verb::kGet, resource, ns, name, "scale");
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* object = FindLocked(request);
  if (object == nullptr) return NotFound(request);
  return ScaleOf(*object);
}

common::Result<Scale> MemoryKubeClient::UpdateScale(const Resource& resource, const Scale& scale) {
  ApiRequest request = ApiRequest::For(Verb::kUpdate, resource, scale.ns, scale.name, "scale");
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* current = FindLocked(request);
  if (current == nullptr) return NotFound(request);
  if (!scale.resource_version.empty() &&
      scale.resource_version != ObjectResourceVersion(*current)) {
    return ConflictError(request);
  }
  nlohmann::json updated = *current;
  updated["spec"]["replicas"] = scale.replicas;
  if (updated == *current) return ScaleOf(updated);
  return ScaleOf(store_.PutLocked(resource, std::move(updated)));
}

common::Status MemoryKubeClient::DeletePod(std::string_view ns, std::string_view name,
                                           const DeleteOptions& options) {
  ApiRequest request = ApiRequest::For(Verb::kDelete, kPods, ns, name);
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* current = FindLocked(request);
  if (current == nullptr) return NotFound(request);
  if ((!options.uid.empty() && options.uid != ObjectUid(*current)) ||
      (!options.resource_version.empty() &&
       options.resource_version != ObjectResourceVersion(*current))) {
    return ConflictError(request);
  }
  store_.objects_.erase({"pods", std::string(ns), std::string(name)});
  ++store_.resource_version_;
  return common::Status::Ok();
}

common::Result<nlohmann::json> MemoryKubeClient::CreateEvent(std::string_view ns,
                                                             const nlohmann::json& event) {
  ApiRequest request = ApiRequest::For(Verb::kCreate, kEvents, ns, "");
  REBOUND_RETURN_IF_ERROR(Begin(request));
  nlohmann::json object = event;
  object["metadata"]["namespace"] = std::string(ns);
  std::lock_guard lock(store_.mu_);
  return store_.PutLocked(kEvents, std::move(object));
}

common::Result<Lease> MemoryKubeClient::GetLease(std::string_view ns, std::string_view name) {
  ApiRequest request = ApiRequest::For(Verb::kGet, kLeases, ns, name);
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* object = FindLocked(request);
  if (object == nullptr) return NotFound(request);
  return LeaseFromJson(*object);
}

common::Result<Lease> MemoryKubeClient::CreateLease(const Lease& lease) {
  ApiRequest request = ApiRequest::For(Verb::kCreate, kLeases, lease.ns, "");
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  request.name = lease.name;
  if (FindLocked(request) != nullptr) {
    request.name.clear();
    return Error(request, 409, "AlreadyExists",
                 "leases.coordination.k8s.io \"" + lease.name + "\" already exists");
  }
  Lease fresh = lease;
  fresh.resource_version.clear();
  return LeaseFromJson(store_.PutLocked(kLeases, LeaseToJson(fresh)));
}

common::Result<Lease> MemoryKubeClient::UpdateLease(const Lease& lease) {
  ApiRequest request = ApiRequest::For(Verb::kUpdate, kLeases, lease.ns, lease.name);
  REBOUND_RETURN_IF_ERROR(Begin(request));
  std::lock_guard lock(store_.mu_);
  const nlohmann::json* current = FindLocked(request);
  if (current == nullptr) return NotFound(request);
  if (lease.resource_version != ObjectResourceVersion(*current)) return ConflictError(request);
  return LeaseFromJson(store_.PutLocked(kLeases, LeaseToJson(lease)));
}

}  // namespace rebound::kube
