#include "common/random.h"

namespace rebound::common {

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

double SystemRandom::Uniform() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

}  // namespace rebound::common
