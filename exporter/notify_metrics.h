// Metrics of a notification sink (DESIGN.md section 10, "Self" group), labelled by sink.
//
// What an operator needs to see that people are (not) being told: how many notifications were
// sent, failed for good or were dropped unsent; how full the queue is; and every HTTP attempt
// by its answer, which shows retries, throttling (429) and a misconfigured webhook (4xx).
// Series for the three results exist from start-up, so rates work before the first failure.
// prometheus-cpp metrics are thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <span>
#include <string>
#include <string_view>

#include "exporter/family.h"

namespace rebound::exporter {

class NotifyMetrics {
 public:
  // `sink` is the value of the sink label ("slack").
  NotifyMetrics(prometheus::Registry& registry, std::string sink);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  prometheus::Counter& sent;       // rebound_notifications_total{sink,result="sent"}
  prometheus::Counter& failed;     // rebound_notifications_total{sink,result="failed"}
  prometheus::Counter& dropped;    // rebound_notifications_total{sink,result="dropped"}
  prometheus::Gauge& queue_depth;  // rebound_notification_queue_depth{sink}

  // rebound_notification_requests_total{sink,code}: code is the HTTP status, or "timeout" /
  // "error" when no answer came.
  prometheus::Counter& Requests(std::string_view code);

 private:
  std::string sink_;
  prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace rebound::exporter
