#include "controller/healing/fair_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rebound::controller::healing {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Drain(FairQueue<std::string>& queue) {
  std::vector<std::string> out;
  while (std::optional<std::string> item = queue.Pop()) out.push_back(*item);
  return out;
}

TEST(FairQueueTest, KeysTakeTurnsAndEachKeyKeepsItsOrder) {
  FairQueue<std::string> queue;
  for (int i = 1; i <= 5; ++i) queue.Push("flood", "a" + std::to_string(i));
  queue.Push("other", "b1");
  queue.Push("third", "c1");
  queue.Push("third", "c2");
  EXPECT_EQ(queue.size(), 8u);
  EXPECT_THAT(Drain(queue), ElementsAre("a1", "b1", "c1", "a2", "c2", "a3", "a4", "a5"));
  EXPECT_TRUE(queue.empty());
}

TEST(FairQueueTest, AKeyThatComesBackWaitsForItsNextTurn) {
  FairQueue<std::string> queue;
  queue.Push("a", "a1");
  queue.Push("b", "b1");
  EXPECT_EQ(*queue.Pop(), "a1");
  queue.Push("a", "a2");  // "a" had emptied: it queues behind "b"
  EXPECT_THAT(Drain(queue), ElementsAre("b1", "a2"));
}

TEST(FairQueueTest, ClearEmptiesEveryKey) {
  FairQueue<std::string> queue;
  queue.Push("a", "a1");
  queue.Push("b", "b1");
  queue.clear();
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_FALSE(queue.Pop().has_value());
}

}  // namespace
}  // namespace rebound::controller::healing
