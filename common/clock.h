// Clock: the single source of time for library code.
//
// Library code never calls std::chrono clocks directly; it is handed a Clock so that tests can
// use a FakeClock (tests/fakes/fake_clock.h) and advance time without sleeping.
// Implementations must be safe to call from any thread.
#pragma once

#include <chrono>

namespace rebound::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that people and other systems read.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time, for measuring intervals and deadlines.
  virtual std::chrono::steady_clock::time_point MonotonicNow() const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point MonotonicNow() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace rebound::common
