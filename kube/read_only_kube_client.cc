#include "kube/read_only_kube_client.h"

#include <string>

#include "kube/api_request.h"

namespace rebound::kube {
namespace {

common::Status Refuse(Verb verb, const Resource& resource, std::string_view ns,
                      std::string_view name, std::string_view subresource = "") {
  return common::FailedPrecondition(
      "read-only Kubernetes client (replay): refused to " +
      ApiRequest::For(verb, resource, ns, name, subresource).Describe());
}

}  // namespace

common::Result<nlohmann::json> ReadOnlyKubeClient::Get(const Resource& resource,
                                                       std::string_view ns, std::string_view name) {
  return reads_.Get(resource, ns, name);
}

common::Result<ObjectList> ReadOnlyKubeClient::List(const Resource& resource, std::string_view ns,
                                                    const ListOptions& options) {
  return reads_.List(resource, ns, options);
}

common::Result<Scale> ReadOnlyKubeClient::GetScale(const Resource& resource, std::string_view ns,
                                                   std::string_view name) {
  return reads_.GetScale(resource, ns, name);
}

common::Result<Lease> ReadOnlyKubeClient::GetLease(std::string_view ns, std::string_view name) {
  return reads_.GetLease(ns, name);
}

common::Result<nlohmann::json> ReadOnlyKubeClient::Patch(const Resource& resource,
                                                         std::string_view ns, std::string_view name,
                                                         PatchType, const nlohmann::json&) {
  return Refuse(Verb::kPatch, resource, ns, name);
}

common::Result<Scale> ReadOnlyKubeClient::UpdateScale(const Resource& resource,
                                                      const Scale& scale) {
  return Refuse(Verb::kUpdate, resource, scale.ns, scale.name, "scale");
}

common::Status ReadOnlyKubeClient::DeletePod(std::string_view ns, std::string_view name,
                                             const DeleteOptions&) {
  return Refuse(Verb::kDelete, kPods, ns, name);
}

common::Result<nlohmann::json> ReadOnlyKubeClient::CreateEvent(std::string_view ns,
                                                               const nlohmann::json&) {
  return Refuse(Verb::kCreate, kEvents, ns, "");
}

common::Result<Lease> ReadOnlyKubeClient::CreateLease(const Lease& lease) {
  return Refuse(Verb::kCreate, kLeases, lease.ns, "");
}

common::Result<Lease> ReadOnlyKubeClient::UpdateLease(const Lease& lease) {
  return Refuse(Verb::kUpdate, kLeases, lease.ns, lease.name);
}

}  // namespace rebound::kube
