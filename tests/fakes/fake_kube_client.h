// FakeKubeStore and FakeKubeClient: an in-memory stand-in for the Kubernetes API, for unit
// tests of code that uses kube::KubeClient.
//
// The store keeps objects with the server's bookkeeping (one global resourceVersion counter
// bumped by every write, uid, generateName). Several FakeKubeClients may share one store — two
// leader-election replicas on one Lease, say. Errors are built with kube::ErrorFromResponse
// from Status bodies, so codes, messages and KubeErrorReason() match the real client.
//
// Where it differs from a real server (tests that depend on these need kubesim):
//   - strategic-merge patches are applied as JSON merge patches (lists are replaced, not merged
//     by key; no $patch directives);
//   - label selectors support only equality forms: "k=v", "k==v", "k!=v", "k", "!k";
//     field selectors only "dotted.path=value";
//   - no controllers: scaling changes spec.replicas and nothing else; deleting a pod removes it.
// Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "kube/api_error.h"
#include "kube/api_request.h"
#include "kube/kube_client.h"
#include "kube/object.h"

namespace rebound::testing {

class FakeKubeStore {
 public:
  // Stores `object` under `resource` (namespace and name from its metadata), as an apply would:
  // kind, apiVersion, uid and creationTimestamp filled in when absent, a new resourceVersion.
  // Returns the stored object.
  nlohmann::json Put(const kube::Resource& resource, nlohmann::json object) {
    std::lock_guard lock(mu_);
    return PutLocked(resource, std::move(object));
  }

  std::optional<nlohmann::json> Find(const kube::Resource& resource, const std::string& ns,
                                     const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = objects_.find({std::string(resource.plural), ns, name});
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }

  // Number of stored objects of `resource`.
  size_t Count(const kube::Resource& resource) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [key, object] : objects_) n += std::get<0>(key) == resource.plural;
    return n;
  }

 private:
  friend class FakeKubeClient;
  using Key = std::tuple<std::string, std::string, std::string>;  // plural, namespace, name

  nlohmann::json PutLocked(const kube::Resource& resource, nlohmann::json object) {
    object["kind"] = resource.kind;
    object["apiVersion"] = resource.ApiVersion();
    nlohmann::json& metadata = object["metadata"];
    if (kube::ObjectName(object).empty() && metadata.contains("generateName")) {
      metadata["name"] = metadata["generateName"].get<std::string>() + std::to_string(++generated_);
    }
    if (kube::ObjectUid(object).empty()) metadata["uid"] = "uid-" + std::to_string(++generated_);
    if (!metadata.contains("creationTimestamp"))
      metadata["creationTimestamp"] = "2026-01-01T00:00:00Z";
    metadata["resourceVersion"] = std::to_string(++resource_version_);
    objects_[{std::string(resource.plural), kube::ObjectNamespace(object),
              kube::ObjectName(object)}] = object;
    return object;
  }

  mutable std::mutex mu_;
  std::map<Key, nlohmann::json> objects_;
  int64_t resource_version_ = 0;
  int64_t generated_ = 0;
};

class FakeKubeClient final : public kube::KubeClient {
 public:
  explicit FakeKubeClient(FakeKubeStore& store) : store_(store) {}

  // The next `times` calls of `verb` on `rbac_resource` ("leases", "deployments/scale") fail
  // with `status` before touching the store.
  void FailNext(kube::Verb verb, const std::string& rbac_resource, common::Status status,
                int times = 1) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < times; ++i) failures_.push_back({verb, rbac_resource, status});
  }
  // Every later call fails with `status` (nullopt: calls work again), as if the network were cut.
  void FailAll(std::optional<common::Status> status) {
    std::lock_guard lock(mu_);
    fail_all_ = std::move(status);
  }
  // Every call so far, as `patch deployments.apps "web" in namespace "shop"`.
  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  common::Result<nlohmann::json> Get(const kube::Resource& resource, std::string_view ns,
                                     std::string_view name) override {
    kube::ApiRequest request = Request(kube::Verb::kGet, resource, ns, name);
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* object = FindLocked(request);
    if (object == nullptr) return NotFound(request);
    return *object;
  }

  common::Result<kube::ObjectList> List(const kube::Resource& resource, std::string_view ns,
                                        const kube::ListOptions& options) override {
    kube::ApiRequest request = Request(kube::Verb::kList, resource, ns, "");
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    kube::ObjectList list;
    list.resource_version = std::to_string(store_.resource_version_);
    for (const auto& [key, object] : store_.objects_) {
      if (std::get<0>(key) != resource.plural || (!ns.empty() && std::get<1>(key) != ns)) continue;
      common::Result<bool> labels = MatchesLabels(object, options.label_selector);
      if (!labels.ok()) return labels.status();
      if (*labels && MatchesFields(object, options.field_selector)) list.items.push_back(object);
    }
    return list;
  }

  common::Result<nlohmann::json> Patch(const kube::Resource& resource, std::string_view ns,
                                       std::string_view name, kube::PatchType,
                                       const nlohmann::json& patch) override {
    kube::ApiRequest request = Request(kube::Verb::kPatch, resource, ns, name);
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* current = FindLocked(request);
    if (current == nullptr) return NotFound(request);
    std::string wanted_rv = kube::ObjectResourceVersion(patch);
    if (!wanted_rv.empty() && wanted_rv != kube::ObjectResourceVersion(*current)) {
      return ConflictError(request);
    }
    nlohmann::json patched = *current;
    patched.merge_patch(patch);
    patched["metadata"]["resourceVersion"] = kube::ObjectResourceVersion(*current);
    if (patched == *current) return patched;  // a no-op keeps its resourceVersion
    return store_.PutLocked(resource, std::move(patched));
  }

  common::Result<kube::Scale> GetScale(const kube::Resource& resource, std::string_view ns,
                                       std::string_view name) override {
    kube::ApiRequest request = Request(kube::Verb::kGet, resource, ns, name, "scale");
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* object = FindLocked(request);
    if (object == nullptr) return NotFound(request);
    return ScaleOf(*object);
  }

  common::Result<kube::Scale> UpdateScale(const kube::Resource& resource,
                                          const kube::Scale& scale) override {
    kube::ApiRequest request =
        Request(kube::Verb::kUpdate, resource, scale.ns, scale.name, "scale");
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* current = FindLocked(request);
    if (current == nullptr) return NotFound(request);
    if (!scale.resource_version.empty() &&
        scale.resource_version != kube::ObjectResourceVersion(*current)) {
      return ConflictError(request);
    }
    nlohmann::json updated = *current;
    updated["spec"]["replicas"] = scale.replicas;
    if (updated == *current) return ScaleOf(updated);
    return ScaleOf(store_.PutLocked(resource, std::move(updated)));
  }

  common::Status DeletePod(std::string_view ns, std::string_view name,
                           const kube::DeleteOptions& options) override {
    kube::ApiRequest request = Request(kube::Verb::kDelete, kube::kPods, ns, name);
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* current = FindLocked(request);
    if (current == nullptr) return NotFound(request);
    if ((!options.uid.empty() && options.uid != kube::ObjectUid(*current)) ||
        (!options.resource_version.empty() &&
         options.resource_version != kube::ObjectResourceVersion(*current))) {
      return ConflictError(request);
    }
    store_.objects_.erase({"pods", std::string(ns), std::string(name)});
    ++store_.resource_version_;
    return common::Status::Ok();
  }

  common::Result<nlohmann::json> CreateEvent(std::string_view ns,
                                             const nlohmann::json& event) override {
    kube::ApiRequest request = Request(kube::Verb::kCreate, kube::kEvents, ns, "");
    REBOUND_RETURN_IF_ERROR(Begin(request));
    nlohmann::json object = event;
    object["metadata"]["namespace"] = std::string(ns);
    std::lock_guard lock(store_.mu_);
    return store_.PutLocked(kube::kEvents, std::move(object));
  }

  common::Result<kube::Lease> GetLease(std::string_view ns, std::string_view name) override {
    kube::ApiRequest request = Request(kube::Verb::kGet, kube::kLeases, ns, name);
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* object = FindLocked(request);
    if (object == nullptr) return NotFound(request);
    return kube::LeaseFromJson(*object);
  }

  common::Result<kube::Lease> CreateLease(const kube::Lease& lease) override {
    kube::ApiRequest request = Request(kube::Verb::kCreate, kube::kLeases, lease.ns, "");
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    request.name = lease.name;
    if (FindLocked(request) != nullptr) {
      request.name.clear();
      return Error(request, 409, "AlreadyExists",
                   "leases.coordination.k8s.io \"" + lease.name + "\" already exists");
    }
    kube::Lease fresh = lease;
    fresh.resource_version.clear();
    return kube::LeaseFromJson(store_.PutLocked(kube::kLeases, kube::LeaseToJson(fresh)));
  }

  common::Result<kube::Lease> UpdateLease(const kube::Lease& lease) override {
    kube::ApiRequest request = Request(kube::Verb::kUpdate, kube::kLeases, lease.ns, lease.name);
    REBOUND_RETURN_IF_ERROR(Begin(request));
    std::lock_guard lock(store_.mu_);
    const nlohmann::json* current = FindLocked(request);
    if (current == nullptr) return NotFound(request);
    if (lease.resource_version != kube::ObjectResourceVersion(*current))
      return ConflictError(request);
    return kube::LeaseFromJson(store_.PutLocked(kube::kLeases, kube::LeaseToJson(lease)));
  }

 private:
  struct Failure {
    kube::Verb verb;
    std::string resource;
    common::Status status;
  };

  static kube::ApiRequest Request(kube::Verb verb, const kube::Resource& resource,
                                  std::string_view ns, std::string_view name,
                                  std::string_view subresource = "") {
    kube::ApiRequest request;
    request.verb = verb;
    request.resource = resource;
    request.ns = std::string(ns);
    request.name = std::string(name);
    request.subresource = std::string(subresource);
    return request;
  }

  // Records the call; the injected failure for it, or what a real client would refuse.
  common::Status Begin(const kube::ApiRequest& request) {
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

  const nlohmann::json* FindLocked(const kube::ApiRequest& request) const {
    auto it =
        store_.objects_.find({std::string(request.resource.plural), request.ns, request.name});
    return it == store_.objects_.end() ? nullptr : &it->second;
  }

  static common::Status Error(const kube::ApiRequest& request, int code, const std::string& reason,
                              const std::string& message) {
    nlohmann::json body = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                           {"reason", reason}, {"message", message}, {"code", code}};
    return kube::ErrorFromResponse(request, code, body.dump());
  }
  static common::Status NotFound(const kube::ApiRequest& request) {
    return Error(request, 404, "NotFound",
                 request.resource.QualifiedName() + " \"" + request.name + "\" not found");
  }
  static common::Status ConflictError(const kube::ApiRequest& request) {
    return Error(request, 409, "Conflict",
                 "Operation cannot be fulfilled on " + request.resource.QualifiedName() + " \"" +
                     request.name +
                     "\": the object has been modified; please apply your changes to the latest "
                     "version and try again");
  }

  static kube::Scale ScaleOf(const nlohmann::json& object) {
    kube::Scale scale;
    scale.name = kube::ObjectName(object);
    scale.ns = kube::ObjectNamespace(object);
    scale.resource_version = kube::ObjectResourceVersion(object);
    const nlohmann::json& spec = object.contains("spec") ? object["spec"] : nlohmann::json();
    const nlohmann::json& status = object.contains("status") ? object["status"] : nlohmann::json();
    if (spec.is_object() && spec.contains("replicas"))
      scale.replicas = spec["replicas"].get<int32_t>();
    if (status.is_object() && status.contains("replicas")) {
      scale.status_replicas = status["replicas"].get<int32_t>();
    }
    if (spec.is_object() && spec.contains("selector") && spec["selector"].contains("matchLabels")) {
      for (const auto& [key, value] : spec["selector"]["matchLabels"].items()) {
        scale.selector +=
            (scale.selector.empty() ? "" : ",") + key + "=" + value.get<std::string>();
      }
    }
    return scale;
  }

  static std::vector<std::string> Split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string part; std::getline(in, part, ',');) {
      if (!part.empty()) out.push_back(part);
    }
    return out;
  }

  static common::Result<bool> MatchesLabels(const nlohmann::json& object,
                                            const std::string& selector) {
    for (const std::string& term : Split(selector)) {
      if (term.find(" in ") != std::string::npos || term.find("notin") != std::string::npos) {
        return common::InvalidArgument("FakeKubeClient supports only equality label selectors: " +
                                       term);
      }
      size_t ne = term.find("!=");
      size_t eq = term.find('=');
      if (ne != std::string::npos) {
        if (kube::ObjectLabel(object, term.substr(0, ne)) == term.substr(ne + 2)) return false;
      } else if (eq != std::string::npos) {
        size_t value_at = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
        if (kube::ObjectLabel(object, term.substr(0, eq)) != term.substr(value_at)) return false;
      } else if (term.front() == '!') {
        if (kube::ObjectLabel(object, term.substr(1))) return false;
      } else if (!kube::ObjectLabel(object, term)) {
        return false;
      }
    }
    return true;
  }

  static bool MatchesFields(const nlohmann::json& object, const std::string& selector) {
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

  FakeKubeStore& store_;
  mutable std::mutex mu_;
  std::deque<Failure> failures_;
  std::optional<common::Status> fail_all_;
  std::vector<std::string> calls_;
};

}  // namespace rebound::testing
