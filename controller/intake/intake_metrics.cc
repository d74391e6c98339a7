#include "controller/intake/intake_metrics.h"

#include <string>

namespace rebound::controller::intake {
namespace {

prometheus::Family<prometheus::Counter>& AlertsReceived(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("rebound_alerts_received_total")
      .Help("Alerts received in accepted Alertmanager notifications, by alert status.")
      .Register(registry);
}

}  // namespace

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : alerts_firing(AlertsReceived(registry).Add({{"status", "firing"}})),
      alerts_resolved(AlertsReceived(registry).Add({{"status", "resolved"}})),
      alerts_deduplicated(prometheus::BuildCounter()
                              .Name("rebound_alerts_deduplicated_total")
                              .Help("Alerts ignored as repeats of a journaled notification "
                                    "(retries, HA duplicates, stale firing after resolved).")
                              .Register(registry)
                              .Add({})),
      queue_depth(prometheus::BuildGauge()
                      .Name("rebound_intake_queue_depth")
                      .Help("Alert episodes journaled and waiting for the worker.")
                      .Register(registry)
                      .Add({})),
      journal_write(prometheus::BuildHistogram()
                        .Name("rebound_journal_write_seconds")
                        .Help("Duration of one journal commit, sync included.")
                        .Register(registry)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                     0.25, 0.5, 1})),
      journal_errors(prometheus::BuildCounter()
                         .Name("rebound_journal_errors_total")
                         .Help("Journal operations that failed (the request was not acknowledged).")
                         .Register(registry)
                         .Add({})),
      webhook_requests_(prometheus::BuildCounter()
                            .Name("rebound_webhook_requests_total")
                            .Help("Alertmanager webhook requests, by HTTP status code answered.")
                            .Register(registry)) {
  for (size_t i = 0; i < kWebhookCodes.size(); ++i) {
    known_codes_[i] = &webhook_requests_.Add({{"code", std::to_string(kWebhookCodes[i])}});
  }
}

prometheus::Counter& IntakeMetrics::WebhookRequests(int code) {
  for (size_t i = 0; i < kWebhookCodes.size(); ++i) {
    if (kWebhookCodes[i] == code) return *known_codes_[i];
  }
  return webhook_requests_.Add({{"code", std::to_string(code)}});
}

}  // namespace rebound::controller::intake
