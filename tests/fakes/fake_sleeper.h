// FakeSleeper: a common::Sleeper that advances a FakeClock instead of waiting, and records each
// wait — or, once told to hold, keeps each wait going until its stop token is requested, so that
// a test can stop code that is in the middle of a wait; FixedRandom: a common::RandomSource that
// always returns the same value. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
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
    std::unique_lock lock(mu_);
    sleeps_.push_back(duration);
    changed_.notify_all();
    if (hold_) {
      // Ends early only through `stop`; after hold_ in real time the wait counts as complete,
      // so that code which ignores its stop token fails its test instead of hanging it.
      changed_.wait_for(lock, stop, *hold_, [] { return false; });
      if (stop.stop_requested()) return false;
    }
    lock.unlock();
    clock_.Advance(duration);
    return true;
  }

  // From now on every wait holds until its stop token is requested (at most `limit` in real
  // time, then it completes as usual).
  void HoldUntilStopped(std::chrono::milliseconds limit) {
    std::lock_guard lock(mu_);
    hold_ = limit;
  }

  // Blocks until `count` waits have begun or `timeout` passes; false on timeout.
  bool WaitForSleeps(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return sleeps_.size() >= count; });
  }

  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  FakeClock& clock_;
  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  std::optional<std::chrono::milliseconds> hold_;
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
