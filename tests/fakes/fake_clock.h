// FakeClock: a ManualClock (common/manual_clock.h) starting at 2026-01-01T00:00:00Z wall time,
// the fixed start every unit test counts from. Thread-safe.
#pragma once

#include <chrono>

#include "common/manual_clock.h"

namespace rebound::testing {

class FakeClock final : public common::ManualClock {
 public:
  FakeClock() : ManualClock(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) {}
};

}  // namespace rebound::testing
