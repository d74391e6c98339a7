#include "tools/kubesim/metrics.h"

#include <prometheus/text_serializer.h>

#include <limits>

#include "tools/kubesim/kube_state_metrics.h"
#include "tools/kubesim/metric_families.h"

namespace rebound::kubesim {
namespace {

void Memory(const PodSimulator& pods, Families& out) {
  for (const PodSimulator::ContainerMemory& sample : pods.Memory()) {
    out.Gauge("container_memory_working_set_bytes", "Current working set in bytes.",
              {{"namespace", sample.ns}, {"pod", sample.pod}, {"container", sample.container}},
              sample.bytes);
  }
}

void Traffic(const TrafficSimulator& traffic, Families& out) {
  for (const TrafficSimulator::Series& series : traffic.Snapshot()) {
    std::string kind = series.workload.kind == Kind::kDeployment ? "deployment" : "statefulset";
    Labels labels = {{"namespace", series.workload.ns}, {kind, series.workload.name}};
    for (const auto& [code, count] :
         {std::pair{"200", series.ok}, std::pair{"503", series.errors}}) {
      Labels with_code = labels;
      with_code.emplace_back("code", code);
      out.Counter("http_requests_total", "HTTP requests served by the application, by code.",
                  with_code, static_cast<double>(count));
    }
    std::vector<std::pair<double, uint64_t>> buckets;
    uint64_t cumulative = 0;
    const std::vector<double>& bounds = TrafficSimulator::BucketBounds();
    for (size_t i = 0; i < series.buckets.size(); ++i) {
      cumulative += series.buckets[i];
      buckets.emplace_back(i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity(),
                           cumulative);
    }
    out.Histogram("http_request_duration_seconds",
                  "Latency of the HTTP requests served by the application.", labels, buckets,
                  cumulative, series.sum_seconds);
  }
}

}  // namespace

void ApiRequestCounter::Record(const std::string& verb, const std::string& resource, int code) {
  std::lock_guard lock(mu_);
  ++counts_[{verb, resource, code}];
}

std::map<std::tuple<std::string, std::string, int>, uint64_t> ApiRequestCounter::Counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::vector<prometheus::MetricFamily> ClusterMetrics::Collect() const {
  Families out;
  CollectKubeState(cluster_.store(), out);
  Memory(cluster_.pods(), out);
  Traffic(cluster_.traffic(), out);
  out.Declare("kubesim_api_requests_total", "Kubernetes API requests kubesim answered.",
              prometheus::MetricType::Counter);
  for (const auto& [key, count] : requests_.Counts()) {
    const auto& [verb, resource, code] = key;
    out.Counter("kubesim_api_requests_total", "Kubernetes API requests kubesim answered.",
                {{"verb", verb}, {"resource", resource}, {"code", std::to_string(code)}},
                static_cast<double>(count));
  }
  out.Declare("kubesim_faults_injected_total", "API requests answered with an injected fault.",
              prometheus::MetricType::Counter);
  for (const auto& [type, count] : cluster_.faults().InjectedCounts()) {
    out.Counter("kubesim_faults_injected_total", "API requests answered with an injected fault.",
                {{"type", type}}, static_cast<double>(count));
  }
  return out.Take();
}

std::string RenderMetrics(const prometheus::Collectable& collectable) {
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

}  // namespace rebound::kubesim
