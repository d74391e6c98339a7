#include "controller/notify/notify_metrics.h"

#include <utility>

namespace rebound::controller::notify {
namespace {

prometheus::Family<prometheus::Counter>& Notifications(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("rebound_notifications_total")
      .Help(
          "Notifications by sink and result: sent, failed (given up after retries or "
          "refused), dropped (queue full or shutdown before delivery).")
      .Register(registry);
}

}  // namespace

NotifyMetrics::NotifyMetrics(prometheus::Registry& registry, std::string sink)
    : sent(Notifications(registry).Add({{"sink", sink}, {"result", "sent"}})),
      failed(Notifications(registry).Add({{"sink", sink}, {"result", "failed"}})),
      dropped(Notifications(registry).Add({{"sink", sink}, {"result", "dropped"}})),
      queue_depth(prometheus::BuildGauge()
                      .Name("rebound_notification_queue_depth")
                      .Help("Notifications waiting for delivery, by sink.")
                      .Register(registry)
                      .Add({{"sink", sink}})),
      sink_(std::move(sink)),
      requests_(prometheus::BuildCounter()
                    .Name("rebound_notification_requests_total")
                    .Help("HTTP attempts to deliver notifications, by sink and HTTP status "
                          "(\"timeout\" or \"error\" when no answer came).")
                    .Register(registry)) {}

prometheus::Counter& NotifyMetrics::Requests(std::string_view code) {
  return requests_.Add({{"sink", sink_}, {"code", std::string(code)}});
}

}  // namespace rebound::controller::notify
