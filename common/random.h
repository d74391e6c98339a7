// Random numbers behind an interface, so that tests fix what production draws: retry jitter
// (common/backoff.h) and any choice that must be reproducible from a recorded seed.
//
// Thread-safety: SystemRandom is thread-safe; other implementations say so themselves.
#pragma once

#include <mutex>
#include <random>

namespace rebound::common {

// Uniform random numbers in [0, 1).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double Uniform() = 0;
};

// A Mersenne Twister seeded from std::random_device, behind a mutex.
class SystemRandom final : public RandomSource {
 public:
  SystemRandom();
  double Uniform() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace rebound::common
