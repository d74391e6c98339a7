// Sleeper: how library code waits (backoff between retries, the leader-election loop).
//
// Library code never sleeps directly; it is handed a Sleeper so that tests substitute one that
// advances a FakeClock instead (tests/fakes/fake_sleeper.h). Implementations must be safe to
// call from any number of threads at once.
#pragma once

#include <chrono>
#include <stop_token>

namespace rebound::common {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Waits for `duration`, or less when `stop` is requested. True when the whole duration
  // passed, false when woken by `stop`.
  virtual bool SleepFor(std::chrono::milliseconds duration, std::stop_token stop) = 0;
};

// Waits in real time.
class RealSleeper final : public Sleeper {
 public:
  bool SleepFor(std::chrono::milliseconds duration, std::stop_token stop) override;
};

}  // namespace rebound::common
