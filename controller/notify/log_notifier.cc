#include "controller/notify/log_notifier.h"

#include <spdlog/spdlog.h>

namespace rebound::controller::notify {

void LogNotifier::Notify(Notification n) {
  spdlog::info("notify [{}]{}{} {}{}{}", n.thread_key, n.drill ? " [drill]" : "",
               n.dry_run ? " [dry-run]" : "", n.title, n.text.empty() ? "" : ": ", n.text);
}

}  // namespace rebound::controller::notify
