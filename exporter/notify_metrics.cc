#include "exporter/notify_metrics.h"

#include <array>
#include <utility>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kSink[] = {"sink"};
constexpr std::string_view kSinkResult[] = {"sink", "result"};
constexpr std::string_view kSinkCode[] = {"sink", "code"};

constexpr FamilySpec kNotifications{
    "rebound_notifications_total", MetricType::Counter,
    "Notifications by sink and result: sent, failed (given up after retries or "
    "refused), dropped (queue full or shutdown before delivery).",
    kSinkResult};
constexpr FamilySpec kQueueDepth{"rebound_notification_queue_depth", MetricType::Gauge,
                                 "Notifications waiting for delivery, by sink.", kSink};
constexpr FamilySpec kRequests{"rebound_notification_requests_total", MetricType::Counter,
                               "HTTP attempts to deliver notifications, by sink and HTTP status "
                               "(\"timeout\" or \"error\" when no answer came).",
                               kSinkCode};

constexpr std::array kFamilies = {kNotifications, kQueueDepth, kRequests};

}  // namespace

NotifyMetrics::NotifyMetrics(prometheus::Registry& registry, std::string sink)
    : sent(RegisterCounter(registry, kNotifications).Add({{"sink", sink}, {"result", "sent"}})),
      failed(RegisterCounter(registry, kNotifications).Add({{"sink", sink}, {"result", "failed"}})),
      dropped(
          RegisterCounter(registry, kNotifications).Add({{"sink", sink}, {"result", "dropped"}})),
      queue_depth(RegisterGauge(registry, kQueueDepth).Add({{"sink", sink}})),
      sink_(std::move(sink)),
      requests_(RegisterCounter(registry, kRequests)) {}

std::span<const FamilySpec> NotifyMetrics::Families() { return kFamilies; }

prometheus::Counter& NotifyMetrics::Requests(std::string_view code) {
  return requests_.Add({{"sink", sink_}, {"code", std::string(code)}});
}

}  // namespace rebound::exporter
