#include "exporter/kube_api_metrics.h"

#include <array>
#include <string>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kVerbResourceCode[] = {"verb", "resource", "code"};
constexpr std::string_view kVerbResource[] = {"verb", "resource"};

constexpr FamilySpec kRequests{"rebound_kube_api_requests_total", MetricType::Counter,
                               "Kubernetes API request attempts, by verb, resource and HTTP status "
                               "code (\"timeout\" or \"error\" when no response arrived).",
                               kVerbResourceCode};
constexpr FamilySpec kSeconds{"rebound_kube_api_request_seconds", MetricType::Histogram,
                              "Duration of one Kubernetes API request attempt.", kVerbResource};

constexpr std::array kFamilies = {kRequests, kSeconds};

}  // namespace

KubeApiMetrics::KubeApiMetrics(prometheus::Registry& registry)
    : requests_(RegisterCounter(registry, kRequests)),
      seconds_(RegisterHistogram(registry, kSeconds)) {}

std::span<const FamilySpec> KubeApiMetrics::Families() { return kFamilies; }

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

}  // namespace rebound::exporter
