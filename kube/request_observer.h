// RequestObserver: what the Kubernetes client tells about each API request attempt it makes,
// retries included, for whoever wants to count them (the daemon connects it to the exporter's
// Kubernetes-API metrics; kube/ itself knows nothing of Prometheus).
//
// Thread-safety: OnAttempt may be called from any number of threads at once (KubeClientHttp is
// used concurrently), so implementations must be thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace rebound::kube {

// One attempt of one API request.
struct RequestAttempt {
  std::string_view verb = {};      // the RBAC verb: get, list, create, update, patch, delete
  std::string_view resource = {};  // the RBAC resource: "deployments", "deployments/scale", ...
  // The HTTP status answered; absent when no response arrived.
  std::optional<int> status = std::nullopt;
  // With no status: whether the attempt timed out (else the transport failed otherwise).
  bool timed_out = false;
  std::chrono::nanoseconds elapsed{0};
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnAttempt(const RequestAttempt& attempt) = 0;
};

}  // namespace rebound::kube
