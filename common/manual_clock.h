// ManualClock: a Clock whose time moves only when Advance() is called — for plans made in
// virtual time (`rebound test`, `rebound replay`) and for tests (tests/fakes/fake_clock.h).
// Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "common/clock.h"

namespace rebound::common {

class ManualClock : public Clock {
 public:
  // Wall time starts at `start`; monotonic time at the steady clock's epoch.
  explicit ManualClock(std::chrono::system_clock::time_point start) : wall_(start) {}

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  std::chrono::steady_clock::time_point MonotonicNow() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }
  // Moves both clocks forward by `d`.
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point mono_{};
};

}  // namespace rebound::common
