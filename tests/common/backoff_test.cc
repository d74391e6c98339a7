#include "common/backoff.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_sleeper.h"

namespace rebound::common {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  testing::FixedRandom low(0.0), high(0.999999);
  EXPECT_EQ(BackoffDelay(policy, 1, low), milliseconds(50));
  EXPECT_EQ(BackoffDelay(policy, 2, low), milliseconds(100));
  EXPECT_EQ(BackoffDelay(policy, 3, low), milliseconds(200));
  EXPECT_EQ(BackoffDelay(policy, 4, low), milliseconds(400));
  EXPECT_EQ(BackoffDelay(policy, 5, low), milliseconds(500));  // capped at 1000
  EXPECT_EQ(BackoffDelay(policy, 60, low), milliseconds(500));
  EXPECT_EQ(BackoffDelay(policy, 1, high), milliseconds(99));
  EXPECT_EQ(BackoffDelay(policy, 60, high), milliseconds(999));
}

TEST(BackoffTest, SystemRandomStaysInRange) {
  SystemRandom random;
  for (int i = 0; i < 1000; ++i) {
    double u = random.Uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(RetryAfterTest, DeltaSecondsOnly) {
  EXPECT_EQ(ParseRetryAfter(std::string_view("3")), seconds(3));
  EXPECT_EQ(ParseRetryAfter(std::string_view("0")), seconds(0));
  EXPECT_EQ(ParseRetryAfter(std::nullopt), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(std::string_view("")), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(std::string_view("-1")), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(std::string_view("1.5")), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(std::string_view("Wed, 21 Oct 2026 07:28:00 GMT")), std::nullopt);
}

}  // namespace
}  // namespace rebound::common
