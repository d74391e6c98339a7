// Metrics of the alert intake path (DESIGN.md section 10, "Self" group): webhook requests,
// alerts received and deduplicated, the intake queue and the journal.
//
// Families are registered on the caller's registry; series for the status codes the webhook
// can answer exist from start-up, so rates work before the first error. prometheus-cpp
// metrics are thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <span>

#include "exporter/family.h"

namespace rebound::exporter {

class IntakeMetrics {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  // rebound_webhook_requests_total{code}
  prometheus::Counter& WebhookRequests(int code);

  // The codes the webhook answers; their series exist from start-up.
  static constexpr std::array<int, 8> kWebhookCodes = {200, 400, 401, 405, 413, 415, 500, 503};

  prometheus::Counter& alerts_firing;        // rebound_alerts_received_total{status="firing"}
  prometheus::Counter& alerts_resolved;      // rebound_alerts_received_total{status="resolved"}
  prometheus::Counter& alerts_deduplicated;  // rebound_alerts_deduplicated_total
  prometheus::Gauge& queue_depth;            // rebound_intake_queue_depth
  prometheus::Histogram& journal_write;      // rebound_journal_write_seconds
  prometheus::Counter& journal_errors;       // rebound_journal_errors_total
  prometheus::Gauge& journal_states_owed;    // rebound_journal_state_updates_owed

 private:
  prometheus::Family<prometheus::Counter>& webhook_requests_;
  // Counters of kWebhookCodes, looked up without building a label set per request.
  std::array<prometheus::Counter*, kWebhookCodes.size()> known_codes_{};
};

}  // namespace rebound::exporter
