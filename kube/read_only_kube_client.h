// ReadOnlyKubeClient: a KubeClient that reads through another one and refuses every write, so
// that `rebound replay` can decide against a real cluster with the guarantee that nothing in it
// changes, whatever the code under it tries.
//
// Get, List, GetScale and GetLease are forwarded as they are (with the wrapped client's
// failures). Patch, UpdateScale, DeletePod, CreateEvent, CreateLease and UpdateLease return
// FailedPrecondition ("read-only Kubernetes client (replay): refused to patch ...") without
// reaching the wrapped client.
//
// Thread-safety: as the wrapped client (every KubeClient is safe from any thread).
#pragma once

#include "kube/kube_client.h"

namespace rebound::kube {

class ReadOnlyKubeClient final : public KubeClient {
 public:
  // `reads` outlives this client.
  explicit ReadOnlyKubeClient(KubeClient& reads) : reads_(reads) {}

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
  KubeClient& reads_;
};

}  // namespace rebound::kube
