// KubeClient: the Kubernetes API operations Rebound needs, and nothing else.
//
// Objects are nlohmann::json as the API server returns them (object.h has accessors); the
// scale subresource and Leases, whose fields Rebound writes itself, are typed (types.h).
// `resource` is one of the constants in resource.h. Namespaced resources need `ns`, except
// List where an empty `ns` means all namespaces; cluster-scoped ones (kNodes) take ns "".
//
// Every failure is a Status (api_error.h): NotFound, Conflict (a concurrent writer won: re-read
// and retry, see retry_on_conflict.h), AlreadyExists, PermissionDenied (the message names the
// missing RBAC rule), Unauthenticated, ResourceExhausted (429 after the allowed retries),
// Unavailable (5xx or unreachable, after retries), DeadlineExceeded (timeouts, after retries),
// InvalidArgument (bad arguments, or a request the server rejected as invalid). Implementations
// retry what is safe to retry; see docs/kube.md. KubeErrorReason() gives the server's reason.
//
// The real implementation is KubeClientHttp (kube_client_http.h); tests use
// tests/fakes/fake_kube_client.h. Implementations are safe to call from any number of threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kube/resource.h"
#include "kube/types.h"

namespace rebound::kube {

struct ListOptions {
  std::string label_selector;  // "app=web,tier!=db", "env in (a,b)"; empty: everything
  std::string field_selector;  // "spec.nodeName=n1", "involvedObject.name=web"; empty: none
};

struct ObjectList {
  std::string resource_version;       // of the collection when it was read
  std::vector<nlohmann::json> items;  // each with kind and apiVersion filled in
};

enum class PatchType {
  kStrategicMerge,  // application/strategic-merge-patch+json (what kubectl sends by default)
  kMerge,           // application/merge-patch+json (RFC 7386)
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;  // absent: the object's own grace period
  // Preconditions: the server refuses (Conflict) when the object's uid or resourceVersion
  // differs, so that a pod replaced under the same name (StatefulSets) is never deleted by
  // mistake. Empty: no precondition.
  std::string uid;
  std::string resource_version;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // The object `name`. Failure: NotFound when it does not exist; see above.
  virtual common::Result<nlohmann::json> Get(const Resource& resource, std::string_view ns,
                                             std::string_view name) = 0;

  // Every object matching `options` (all pages). Success may be an empty list.
  virtual common::Result<ObjectList> List(const Resource& resource, std::string_view ns,
                                          const ListOptions& options) = 0;

  // Applies `patch` to `name` and returns the object after the patch. A patch that carries
  // metadata.resourceVersion is refused with Conflict when the object changed since.
  // Failure: NotFound, Conflict, InvalidArgument (the server rejected the patch); see above.
  virtual common::Result<nlohmann::json> Patch(const Resource& resource, std::string_view ns,
                                               std::string_view name, PatchType type,
                                               const nlohmann::json& patch) = 0;

  // The scale subresource of a Deployment, StatefulSet or ReplicaSet. Failure: InvalidArgument
  // for a resource without one; NotFound; see above.
  virtual common::Result<Scale> GetScale(const Resource& resource, std::string_view ns,
                                         std::string_view name) = 0;

  // Sets spec.replicas to scale.replicas; with scale.resource_version set (as read by GetScale)
  // the server refuses with Conflict when the object changed since. Returns the new Scale.
  virtual common::Result<Scale> UpdateScale(const Resource& resource, const Scale& scale) = 0;

  // Deletes a pod (its controller creates a replacement). OK once the server accepted the
  // deletion (the pod may still be terminating). Failure: NotFound when it is already gone,
  // Conflict when a precondition does not hold; see above.
  virtual common::Status DeletePod(std::string_view ns, std::string_view name,
                                   const DeleteOptions& options) = 0;

  // Creates a core/v1 Event (event.h builds one) in `ns` and returns it as stored.
  virtual common::Result<nlohmann::json> CreateEvent(std::string_view ns,
                                                     const nlohmann::json& event) = 0;

  // Leases (coordination.k8s.io/v1), for leader election.
  // GetLease: NotFound when absent. CreateLease: AlreadyExists when another client created it
  // first. UpdateLease: needs lease.resource_version (InvalidArgument without it); Conflict
  // when the lease changed since it was read. Create and update return the stored lease.
  virtual common::Result<Lease> GetLease(std::string_view ns, std::string_view name) = 0;
  virtual common::Result<Lease> CreateLease(const Lease& lease) = 0;
  virtual common::Result<Lease> UpdateLease(const Lease& lease) = 0;
};

}  // namespace rebound::kube
