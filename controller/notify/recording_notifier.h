// RecordingNotifier: a Notifier that keeps every notification instead of sending it — for plans
// (`rebound test`, `rebound replay`), which must contact nobody, and for tests. Thread-safe.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "controller/notify/notifier.h"

namespace rebound::controller::notify {

class RecordingNotifier final : public Notifier {
 public:
  void Notify(Notification notification) override {
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(notification));
  }
  // Every notification so far, oldest first.
  std::vector<Notification> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  // Every notification so far, which are then forgotten.
  std::vector<Notification> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(sent_, {});
  }

 private:
  mutable std::mutex mu_;
  std::vector<Notification> sent_;
};

}  // namespace rebound::controller::notify
