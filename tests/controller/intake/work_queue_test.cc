#include "controller/intake/work_queue.h"

#include <thread>

#include <gtest/gtest.h>

namespace rebound::controller::intake {
namespace {

WorkItem Item(std::string fingerprint) {
  return WorkItem{EpisodeKey{std::move(fingerprint), "2026-01-01T00:00:00Z"}, IntakeOutcome::kNew};
}

TEST(WorkQueueTest, ReservationsCountAgainstCapacity) {
  WorkQueue queue(3);
  EXPECT_TRUE(queue.TryReserve(2));
  EXPECT_FALSE(queue.TryReserve(2));
  EXPECT_TRUE(queue.TryReserve(1));
  queue.PushReserved(Item("a"));
  EXPECT_EQ(queue.depth(), 1u);
  EXPECT_FALSE(queue.TryReserve(1));
  queue.Release(2);
  EXPECT_TRUE(queue.TryReserve(2));
}

TEST(WorkQueueTest, PopBatchReturnsInOrderUpToMaxThenEmptyAfterClose) {
  WorkQueue queue(10);
  ASSERT_TRUE(queue.TryReserve(3));
  queue.PushReserved(Item("a"));
  queue.PushReserved(Item("b"));
  queue.PushReserved(Item("c"));
  queue.Close();
  EXPECT_FALSE(queue.TryReserve(1));
  std::vector<WorkItem> first = queue.PopBatch(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].key.fingerprint, "a");
  EXPECT_EQ(first[1].key.fingerprint, "b");
  std::vector<WorkItem> rest = queue.PopBatch(2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].key.fingerprint, "c");
  EXPECT_TRUE(queue.PopBatch(2).empty());
}

TEST(WorkQueueTest, CloseWakesABlockedConsumer) {
  WorkQueue queue(1);
  std::vector<WorkItem> got = {Item("x")};
  std::thread consumer([&] { got = queue.PopBatch(10); });
  queue.Close();
  consumer.join();
  EXPECT_TRUE(got.empty());
}

TEST(WorkQueueTest, SmallerCapacityKeepsAdmittedItems) {
  WorkQueue queue(2);
  ASSERT_TRUE(queue.TryReserve(2));
  queue.PushReserved(Item("a"));
  queue.PushReserved(Item("b"));
  queue.SetCapacity(1);
  EXPECT_EQ(queue.depth(), 2u);
  EXPECT_FALSE(queue.TryReserve(1));
}

}  // namespace
}  // namespace rebound::controller::intake
