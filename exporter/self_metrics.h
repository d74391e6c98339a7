// Rebound's metrics about itself that no single component owns (DESIGN.md section 10):
// build information, leadership, configuration reloads, and the standard process_* series.
//
// Thread-safety: prometheus-cpp metrics are thread-safe; ProcessCollector::Collect reads
// /proc on each scrape and may run concurrently.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "common/http_server.h"
#include "exporter/family.h"

namespace rebound::exporter {

struct BuildInfo {
  std::string version;
  std::string revision;
};

class SelfMetrics {
 public:
  SelfMetrics(prometheus::Registry& registry, const BuildInfo& build);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  prometheus::Counter& reload_success;  // rebound_config_reload_total{result="success"}
  prometheus::Counter& reload_failure;  // rebound_config_reload_total{result="failure"}
  prometheus::Gauge& leader;            // rebound_leader
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds — the names every Prometheus
// client library exports, read from /proc/self.
class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;

  // The families Collect returns.
  static std::span<const FamilySpec> Families();
};

// GET /metrics: every collectable rendered in the Prometheus text format.
common::HttpResponse RenderMetrics(
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables);

}  // namespace rebound::exporter
