#include "controller/intake/committed_cache.h"

#include <gtest/gtest.h>

namespace rebound::controller::intake {
namespace {

TEST(CommittedCacheTest, FindsWhatWasPutAndOverwrites) {
  CommittedCache cache(10);
  EXPECT_FALSE(cache.Find("f", "2026-01-01T00:00:00Z"));
  cache.Put("f", "2026-01-01T00:00:00Z", AlertStatus::kFiring);
  EXPECT_EQ(cache.Find("f", "2026-01-01T00:00:00Z"), AlertStatus::kFiring);
  EXPECT_FALSE(cache.Find("f", "2026-01-01T00:00:01Z"));
  cache.Put("f", "2026-01-01T00:00:00Z", AlertStatus::kResolved);
  EXPECT_EQ(cache.Find("f", "2026-01-01T00:00:00Z"), AlertStatus::kResolved);
}

TEST(CommittedCacheTest, KeysDoNotCollideAcrossTheSeparator) {
  CommittedCache cache(10);
  cache.Put("ab", "c", AlertStatus::kFiring);
  EXPECT_FALSE(cache.Find("a", "bc"));
}

TEST(CommittedCacheTest, EvictsOldestBeyondCapacityAndClears) {
  CommittedCache cache(2);
  cache.Put("a", "t", AlertStatus::kFiring);
  cache.Put("b", "t", AlertStatus::kFiring);
  cache.Put("a", "t", AlertStatus::kResolved);  // an update does not count twice
  cache.Put("c", "t", AlertStatus::kFiring);
  EXPECT_FALSE(cache.Find("a", "t"));
  EXPECT_TRUE(cache.Find("b", "t"));
  EXPECT_TRUE(cache.Find("c", "t"));
  cache.Clear();
  EXPECT_FALSE(cache.Find("c", "t"));
}

}  // namespace
}  // namespace rebound::controller::intake
