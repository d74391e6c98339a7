// KubeApiObserver: connects the Kubernetes client's RequestObserver (kube/, which knows nothing
// of Prometheus) to the exporter's Kubernetes-API metrics, rebound_kube_api_requests_total and
// rebound_kube_api_request_seconds (DESIGN.md sections 1 and 10). The `code` label is the HTTP
// status, or "timeout" / "error" when no response arrived.
//
// Thread-safety: OnAttempt may be called from any number of threads at once.
#pragma once

#include <prometheus/registry.h>

#include "exporter/kube_api_metrics.h"
#include "kube/request_observer.h"

namespace rebound::app {

class KubeApiObserver final : public kube::RequestObserver {
 public:
  // Registers the metrics on `registry`.
  explicit KubeApiObserver(prometheus::Registry& registry) : metrics_(registry) {}

  void OnAttempt(const kube::RequestAttempt& attempt) override;

 private:
  exporter::KubeApiMetrics metrics_;
};

}  // namespace rebound::app
