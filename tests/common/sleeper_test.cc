#include "common/sleeper.h"

#include <gtest/gtest.h>

#include <thread>

namespace rebound::common {
namespace {

TEST(RealSleeperTest, ReturnsAtOnceWhenAlreadyStopped) {
  std::stop_source source;
  source.request_stop();
  RealSleeper sleeper;
  EXPECT_FALSE(sleeper.SleepFor(std::chrono::hours(1), source.get_token()));
}

TEST(RealSleeperTest, StopWakesASleeper) {
  std::stop_source source;
  RealSleeper sleeper;
  bool completed = true;
  std::thread waiter(
      [&] { completed = sleeper.SleepFor(std::chrono::hours(1), source.get_token()); });
  source.request_stop();
  waiter.join();
  EXPECT_FALSE(completed);
}

TEST(RealSleeperTest, ZeroDurationCompletes) {
  RealSleeper sleeper;
  EXPECT_TRUE(sleeper.SleepFor(std::chrono::milliseconds(0), {}));
}

}  // namespace
}  // namespace rebound::common
