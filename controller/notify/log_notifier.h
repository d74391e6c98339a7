// LogNotifier: the notifier used when no Slack webhook is configured. Each notification
// becomes one log line, so what Rebound would have told people is still on record.
//
// Thread-safety: Notify may be called from any thread (spdlog is thread-safe).
#pragma once

#include "controller/notify/notifier.h"

namespace rebound::controller::notify {

class LogNotifier final : public Notifier {
 public:
  void Notify(Notification notification) override;
};

}  // namespace rebound::controller::notify
