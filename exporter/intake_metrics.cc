#include "exporter/intake_metrics.h"

#include <string>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kCode[] = {"code"};
constexpr std::string_view kStatus[] = {"status"};

constexpr FamilySpec kWebhookRequests{
    "rebound_webhook_requests_total", MetricType::Counter,
    "Alertmanager webhook requests, by HTTP status code answered.", kCode};
constexpr FamilySpec kAlertsReceived{
    "rebound_alerts_received_total", MetricType::Counter,
    "Alerts received in accepted Alertmanager notifications, by alert status.", kStatus};
constexpr FamilySpec kAlertsDeduplicated{"rebound_alerts_deduplicated_total", MetricType::Counter,
                                         "Alerts ignored as repeats of a journaled notification "
                                         "(retries, HA duplicates, stale firing after resolved)."};
constexpr FamilySpec kQueueDepth{"rebound_intake_queue_depth", MetricType::Gauge,
                                 "Alert episodes journaled and waiting for the worker."};
constexpr FamilySpec kJournalWrite{"rebound_journal_write_seconds", MetricType::Histogram,
                                   "Duration of one journal commit, sync included."};
constexpr FamilySpec kJournalErrors{
    "rebound_journal_errors_total", MetricType::Counter,
    "Journal operations that failed (the request was not acknowledged)."};

constexpr FamilySpec kJournalStatesOwed{
    "rebound_journal_state_updates_owed", MetricType::Gauge,
    "Episode state changes the journal could not commit (a full or failing disk), retried "
    "until they are."};

constexpr std::array kFamilies = {kWebhookRequests,  kAlertsReceived, kAlertsDeduplicated,
                                  kQueueDepth,       kJournalWrite,   kJournalErrors,
                                  kJournalStatesOwed};

}  // namespace

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : alerts_firing(RegisterCounter(registry, kAlertsReceived).Add({{"status", "firing"}})),
      alerts_resolved(RegisterCounter(registry, kAlertsReceived).Add({{"status", "resolved"}})),
      alerts_deduplicated(RegisterCounter(registry, kAlertsDeduplicated).Add({})),
      queue_depth(RegisterGauge(registry, kQueueDepth).Add({})),
      journal_write(
          RegisterHistogram(registry, kJournalWrite)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                               0.025, 0.05, 0.1, 0.25, 0.5, 1})),
      journal_errors(RegisterCounter(registry, kJournalErrors).Add({})),
      journal_states_owed(RegisterGauge(registry, kJournalStatesOwed).Add({})),
      webhook_requests_(RegisterCounter(registry, kWebhookRequests)) {
  for (size_t i = 0; i < kWebhookCodes.size(); ++i) {
    known_codes_[i] = &webhook_requests_.Add({{"code", std::to_string(kWebhookCodes[i])}});
  }
}

std::span<const FamilySpec> IntakeMetrics::Families() { return kFamilies; }

prometheus::Counter& IntakeMetrics::WebhookRequests(int code) {
  for (size_t i = 0; i < kWebhookCodes.size(); ++i) {
    if (kWebhookCodes[i] == code) return *known_codes_[i];
  }
  return webhook_requests_.Add({{"code", std::to_string(code)}});
}

}  // namespace rebound::exporter
