// Metrics about Rebound's own Kubernetes API calls (DESIGN.md section 10, "Self" group):
//   rebound_kube_api_requests_total{verb,resource,code}  one per attempt, retries included
//   rebound_kube_api_request_seconds{verb,resource}      duration of each attempt
// `verb` is the RBAC verb (get, list, create, update, patch, delete), `resource` the RBAC
// resource ("deployments", "deployments/scale"), `code` the HTTP status, or "timeout" / "error"
// when no response arrived. kube/ knows nothing of this class: app/ connects it to the
// Kubernetes client's kube::RequestObserver.
//
// Families are registered on the caller's registry. prometheus-cpp metrics are thread-safe, and
// so is Observe().
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <span>
#include <string_view>

#include "exporter/family.h"

namespace rebound::exporter {

class KubeApiMetrics {
 public:
  explicit KubeApiMetrics(prometheus::Registry& registry);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  // Records one attempt.
  void Observe(std::string_view verb, std::string_view resource, std::string_view code,
               std::chrono::duration<double> elapsed);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& seconds_;
};

}  // namespace rebound::exporter
