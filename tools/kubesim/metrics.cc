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

void Histogram(const std::string& name, const std::string& help, const Labels& labels,
               const TrafficSimulator::Latencies& latencies, Families& out) {
  std::vector<std::pair<double, uint64_t>> buckets;
  uint64_t cumulative = 0;
  const std::vector<double>& bounds = TrafficSimulator::BucketBounds();
  for (size_t i = 0; i < latencies.buckets.size(); ++i) {
    cumulative += latencies.buckets[i];
    buckets.emplace_back(i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity(),
                         cumulative);
  }
  out.Histogram(name, help, labels, buckets, cumulative, latencies.sum_seconds);
}

// `labels` plus one more.
Labels With(Labels labels, const std::string& name, const std::string& value) {
  labels.emplace_back(name, value);
  return labels;
}

void Traffic(const TrafficSimulator& traffic, Families& out) {
  for (const TrafficSimulator::Series& series : traffic.Snapshot()) {
    std::string kind = series.workload.kind == Kind::kDeployment ? "deployment" : "statefulset";
    Labels labels = {{"namespace", series.workload.ns}, {kind, series.workload.name}};
    for (const auto& [code, count] :
         {std::pair{"200", series.ok}, std::pair{"503", series.errors}}) {
      out.Counter("http_requests_total", "HTTP requests served by the application, by code.",
                  With(labels, "code", code), static_cast<double>(count));
    }
    Histogram("http_request_duration_seconds",
              "Latency of the HTTP requests served by the application.", labels, series.latencies,
              out);
    if (!series.calls) continue;
    const TrafficSimulator::Calls& calls = *series.calls;
    Labels peer = With(labels, "peer", calls.peer);
    for (const auto& [code, count] :
         {std::pair{std::string("200"), calls.ok}, std::pair{calls.failed_code, calls.failed}}) {
      out.Counter("http_client_requests_total",
                  "HTTP calls the application made to a dependency (peer), by code; code 0: no "
                  "answer.",
                  With(peer, "code", code), static_cast<double>(count));
    }
    Histogram("http_client_request_duration_seconds",
              "Latency of the HTTP calls the application made to a dependency (peer).", peer,
              calls.latencies, out);
  }
}

// OpenTelemetry's database client connection pool metrics, per pod.
void Pools(const TrafficSimulator& traffic, Families& out) {
  for (const TrafficSimulator::Pool& pool : traffic.Pools()) {
    Labels labels = {{"namespace", pool.ns}, {"pod", pool.pod}, {"pool_name", pool.name}};
    for (const auto& [state, count] :
         {std::pair{"used", pool.used}, std::pair{"idle", pool.max - pool.used}}) {
      out.Gauge("db_client_connections_usage",
                "Connections of the pool in the given state (used or idle).",
                With(labels, "state", state), count);
    }
    out.Gauge("db_client_connections_max", "The maximum number of connections of the pool.", labels,
              pool.max);
    out.Counter("db_client_connections_timeouts_total",
                "Requests that timed out waiting for a connection of the pool.", labels,
                static_cast<double>(pool.timeouts));
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
  Pools(cluster_.traffic(), out);
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
