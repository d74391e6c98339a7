// FakeSleeper: a common::Sleeper that advances a FakeClock instead of waiting, and records each
// wait; FixedRandom: a common::RandomSource that always returns the same value. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "common/random.h"
#include "common/sleeper.h"
#include "tests/fakes/fake_clock.h"

namespace rebound::testing {

class FakeSleeper final : public common::Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}

  bool SleepFor(std::chrono::milliseconds duration, std::stop_token stop) override {
    if (stop.stop_requested()) return false;
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(duration);
    }
    clock_.Advance(duration);
    return true;
  }

  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  FakeClock& clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

class FixedRandom final : public common::RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double Uniform() override { return value_; }

 private:
  double value_;
};

}  // namespace rebound::testing
