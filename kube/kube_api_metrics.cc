#include "kube/kube_api_metrics.h"

#include <string>

namespace rebound::kube {

KubeApiMetrics::KubeApiMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("rebound_kube_api_requests_total")
                    .Help("Kubernetes API request attempts, by verb, resource and HTTP status "
                          "code (\"timeout\" or \"error\" when no response arrived).")
                    .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("rebound_kube_api_request_seconds")
                   .Help("Duration of one Kubernetes API request attempt.")
                   .Register(registry)) {}

void KubeApiMetrics::Observe(std::string_view verb, std::string_view resource,
                             std::string_view code, std::chrono::duration<double> elapsed) {
  std::string v(verb), r(resource);
  requests_.Add({{"verb", v}, {"resource", r}, {"code", std::string(code)}}).Increment();
  seconds_
      .Add({{"verb", v}, {"resource", r}},
           prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                   5, 10, 30})
      .Observe(elapsed.count());
}

}  // namespace rebound::kube
