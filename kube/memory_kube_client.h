// MemoryKubeStore and MemoryKubeClient: a Kubernetes API held in memory. `rebound test` runs
// playbooks against one built from a test file's `cluster:` objects; unit tests use it (as
// tests/fakes/fake_kube_client.h) for code that talks to a kube::KubeClient.
//
// The store keeps objects with the server's bookkeeping (one global resourceVersion counter
// bumped by every write, uid, generateName). Several MemoryKubeClients may share one store —
// two leader-election replicas on one Lease, say. Errors are built with kube::ErrorFromResponse
// from Status bodies, so codes, messages and KubeErrorReason() match the real client.
//
// Where it differs from a real server (what depends on these needs kubesim or a cluster):
//   - strategic-merge patches are applied as JSON merge patches (lists are replaced, not merged
//     by key; no $patch directives);
//   - label selectors support only equality forms: "k=v", "k==v", "k!=v", "k", "!k";
//     field selectors only "dotted.path=value";
//   - no controllers: scaling changes spec.replicas and nothing else; deleting a pod removes it.
//
// Thread-safety: every method of both classes may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "kube/api_request.h"
#include "kube/kube_client.h"

namespace rebound::kube {

class MemoryKubeStore {
 public:
  // (plural, namespace, name)
  using Key = std::tuple<std::string, std::string, std::string>;

  // Stores `object` under `resource` (namespace and name from its metadata), as an apply would:
  // kind, apiVersion, uid and creationTimestamp filled in when absent, a new resourceVersion.
  // Returns the stored object.
  nlohmann::json Put(const Resource& resource, nlohmann::json object);

  // The object `name`, nullopt when absent.
  std::optional<nlohmann::json> Find(const Resource& resource, const std::string& ns,
                                     const std::string& name) const;

  // Every stored object: compare two snapshots to prove that nothing was written in between.
  std::map<Key, nlohmann::json> Snapshot() const;

  // Number of stored objects of `resource`.
  size_t Count(const Resource& resource) const;

 private:
  friend class MemoryKubeClient;

  nlohmann::json PutLocked(const Resource& resource, nlohmann::json object);

  mutable std::mutex mu_;
  std::map<Key, nlohmann::json> objects_;
  int64_t resource_version_ = 0;
  int64_t generated_ = 0;
};

class MemoryKubeClient final : public KubeClient {
 public:
  explicit MemoryKubeClient(MemoryKubeStore& store) : store_(store) {}

  // The next `times` calls of `verb` on `rbac_resource` ("leases", "deployments/scale") fail
  // with `status` before touching the store.
  void FailNext(Verb verb, const std::string& rbac_resource, common::Status status, int times = 1);
  // Every later call fails with `status` (nullopt: calls work again), as if the network were cut.
  void FailAll(std::optional<common::Status> status);
  // Every call so far, as `patch deployments.apps "web" in namespace "shop"`.
  std::vector<std::string> calls() const;

  common::Result<nlohmann::json> Get(const Resource& resource, std::string_view ns,
                                     std::string_view name) override;
  common::Result<ObjectList> List(const Resource& resource, std::string_view ns,
                                  const ListOptions& options) override;
  common::Result<nlohmann::json> Patch(const Resource& resource, std::string_view ns,
                                       std::string_view name, PatchType type,
                                       const nlohmann::json& patch) override;
  common::Result<Scale> GetScale(const Resource& resource, std::string_view ns,
                                 std::string_view name) override;
  common::Result<Scale> UpdateScale(const Resource& resource, const Scale& scale) override;
  common::Status DeletePod(std::string_view ns, std::string_view name,
                           const DeleteOptions& options) override;
  common::Result<nlohmann::json> CreateEvent(std::string_view ns,
                                             const nlohmann::json& event) override;
  common::Result<Lease> GetLease(std::string_view ns, std::string_view name) override;
  common::Result<Lease> CreateLease(const Lease& lease) override;
  common::Result<Lease> UpdateLease(const Lease& lease) override;

 private:
  struct Failure {
    Verb verb;
    std::string resource;
    common::Status status;
  };

  // Records the call; the injected failure for it, or what a real client would refuse.
  common::Status Begin(const ApiRequest& request);
  const nlohmann::json* FindLocked(const ApiRequest& request) const;

  MemoryKubeStore& store_;
  mutable std::mutex mu_;
  std::deque<Failure> failures_;
  std::optional<common::Status> fail_all_;
  std::vector<std::string> calls_;
};

}  // namespace rebound::kube
