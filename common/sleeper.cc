#include "common/sleeper.h"

#include <condition_variable>
#include <mutex>

namespace rebound::common {

bool RealSleeper::SleepFor(std::chrono::milliseconds duration, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  // Nothing notifies cv: only the stop token (or the timeout) ends the wait.
  cv.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace rebound::common
