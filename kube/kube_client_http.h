// KubeClientHttp: KubeClient over the Kubernetes REST API (JSON over HTTPS, via
// common::HttpClient). Transport, retries and error mapping live in RequestExecutor.
//
// What is retried after a 5xx, a timeout or a lost connection (429 is always retried):
//   get, list                      yes (reads)
//   patch (strategic / merge)      yes (setting the same fields twice has the same effect)
//   update scale / lease           only with a resourceVersion (a repeat that comes after a
//                                  successful first attempt gets Conflict, never a lost write)
//   create event, create lease     yes (a duplicate event is harmless; a duplicate lease gets
//                                  AlreadyExists, which leader election handles)
//   delete pod                     only with a uid precondition (a repeat then cannot delete a
//                                  replacement pod of the same name; it gets NotFound)
//
// Thread-safety: every method may be called from any number of threads at once.
#pragma once

#include "kube/kube_client.h"
#include "kube/request_executor.h"

namespace rebound::kube {

class KubeClientHttp final : public KubeClient {
 public:
  KubeClientHttp(KubeConnection connection, KubeClientDeps deps, KubeClientOptions options);

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
  RequestExecutor executor_;
};

}  // namespace rebound::kube
