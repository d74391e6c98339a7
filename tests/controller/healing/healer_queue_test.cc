// The healer's queue: bounded in count and in bytes (Submit blocks, and gives up when told to
// stop), fair between targets, and cheap for alerts no playbook matches (recorded a hand-over
// at a time).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "controller/healing/healer.h"
#include "tests/controller/healing/healing_test_support.h"

namespace rebound::controller::healing {
namespace {

using intake::EpisodeState;

constexpr char kRestart[] = R"(
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: restart
spec:
  match:
    - alertname = "Crash"
  target:
    kind: Deployment
    namespace: "{{ labels.namespace }}"
    name: "{{ labels.deployment }}"
  steps:
    - action: restart
      verify: { within: 1m }
)";

intake::LabelSet CrashOf(const std::string& name) {
  return {{"alertname", "Crash"}, {"namespace", "shop"}, {"deployment", name}};
}

class HealerQueueTest : public HealingTest {
 protected:
  // A threaded healer whose first verification blocks until Release(): the one thread is busy
  // and everything submitted after waits.
  std::unique_ptr<Healer> BlockedHealer(size_t max_waiting) {
    healer_options_.synchronous = false;
    healer_options_.max_concurrent = 1;
    healer_options_.max_waiting = max_waiting;
    ReadyDeployment("shop", "web", 2);
    auto healer = MakeHealer(kRestart);
    sleeper_.SetHook([this, done = false](int) mutable {
      if (done) return;
      done = true;
      busy_.set_value();
      released_.wait();
    });
    EXPECT_TRUE(healer->Submit(Fire("first", CrashOf("web"))));
    busy_.get_future().wait();
    return healer;
  }
  void Release() { release_.set_value(); }

  std::promise<void> busy_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

TEST_F(HealerQueueTest, SubmitWaitsForRoomAndGivesUpWhenStopped) {
  auto healer = BlockedHealer(2);
  EXPECT_TRUE(healer->Submit(Fire("w1", CrashOf("a"))));
  EXPECT_TRUE(healer->Submit(Fire("w2", CrashOf("b"))));
  EXPECT_EQ(healer->queued(), 2u);

  // Full: the next hand-over waits (the worker stops taking from the intake queue)...
  std::stop_source stop;
  intake::Episode third = Fire("w3", CrashOf("c"));
  auto blocked = std::async(std::launch::async, [&] {
    return healer->Submit(std::vector<intake::Episode>{third}, stop.get_token());
  });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_EQ(healer->queued(), 2u);
  // ...until its stop token is requested (the intake queue closing): it gives up, and the
  // episode stays pending in the journal.
  stop.request_stop();
  ASSERT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(blocked.get());
  EXPECT_EQ(healer->queued(), 2u);

  // A healer that stops also ends the wait.
  intake::Episode fourth = Fire("w4", CrashOf("d"));
  auto waiting = std::async(std::launch::async, [&] { return healer->Submit(fourth); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  healer->RequestStop();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(waiting.get());
  Release();
  healer->Stop();
  EXPECT_EQ(StateOf(third), EpisodeState::kReceived);  // never taken: resumed at the next start
}

TEST_F(HealerQueueTest, RoomFreedByAStartLetsTheWaitingSubmitIn) {
  auto healer = BlockedHealer(1);
  EXPECT_TRUE(healer->Submit(Fire("w1", CrashOf("a"))));
  intake::Episode second = Fire("w2", CrashOf("b"));
  auto blocked = std::async(std::launch::async, [&] { return healer->Submit(second); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  Release();  // the first remediation ends, w1 starts, w2 finds room
  ASSERT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(blocked.get());
  healer->WaitIdle();
  EXPECT_EQ(StateOf(second), EpisodeState::kHandled);  // no such deployment: refused
}

TEST_F(HealerQueueTest, SubmitWaitsWhileTheWaitingBytesAreFullAndGivesUpWhenStopped) {
  // Room for ten episodes by count but two and a half by bytes.
  const size_t each = intake::ApproximateSize(Fire("w1", CrashOf("a")));
  healer_options_.max_waiting_bytes = 2 * each + each / 2;
  auto healer = BlockedHealer(10);
  EXPECT_TRUE(healer->Submit(Fire("w1", CrashOf("a"))));
  EXPECT_TRUE(healer->Submit(Fire("w2", CrashOf("b"))));
  EXPECT_EQ(healer->queued_bytes(), 2 * each);

  // Full by bytes: the next hand-over waits, and gives up when its stop token is requested.
  std::stop_source stop;
  intake::Episode third = Fire("w3", CrashOf("c"));
  auto blocked = std::async(std::launch::async, [&] {
    return healer->Submit(std::vector<intake::Episode>{third}, stop.get_token());
  });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_EQ(healer->queued(), 2u);
  stop.request_stop();
  ASSERT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(blocked.get());
  EXPECT_EQ(healer->queued_bytes(), 2 * each);

  // Bytes freed by a start let it in.
  auto waiting = std::async(std::launch::async, [&] { return healer->Submit(third); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  Release();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(waiting.get());
  healer->WaitIdle();
  EXPECT_EQ(healer->queued_bytes(), 0u);
  EXPECT_EQ(StateOf(third), EpisodeState::kHandled);  // no such deployment: refused
}

TEST_F(HealerQueueTest, AnEpisodeLargerThanTheByteBoundWaitsAlone) {
  healer_options_.max_waiting_bytes = 1;
  auto healer = BlockedHealer(10);
  EXPECT_TRUE(healer->Submit(Fire("w1", CrashOf("a"))));  // nothing else waits: taken
  EXPECT_EQ(healer->queued(), 1u);
  intake::Episode second = Fire("w2", CrashOf("b"));
  auto blocked = std::async(std::launch::async, [&] { return healer->Submit(second); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  Release();
  ASSERT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(blocked.get());
  healer->WaitIdle();
  EXPECT_EQ(StateOf(second), EpisodeState::kHandled);
}

TEST_F(HealerQueueTest, AFloodForOneTargetDoesNotStarveAnotherTarget) {
  auto healer = BlockedHealer(64);
  ReadyDeployment("shop", "api", 2);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(healer->Submit(Fire("flood" + std::to_string(i), CrashOf("web"))));
  }
  ASSERT_TRUE(healer->Submit(Fire("urgent", CrashOf("api"))));
  Release();
  healer->WaitIdle();
  // Decisions after the first one, in the order they were made: the urgent alert's comes
  // second (one flood episode, then its turn), not after the twenty flood episodes.
  std::vector<std::string> decided;
  for (const HealRecord& r : Records()) {
    if (r.kind == HealRecord::Kind::kDecision) decided.push_back(r.episode.fingerprint);
  }
  ASSERT_EQ(decided.size(), 22u);
  EXPECT_EQ(decided[0], "first");
  const auto urgent = std::find(decided.begin(), decided.end(), "urgent");
  EXPECT_EQ(urgent - decided.begin(), 2) << ::testing::PrintToString(decided);
}

TEST_F(HealerQueueTest, UnmatchedAlertsOfAHandOverAreRecordedTogetherOncePerEpisode) {
  healer_options_.synchronous = false;
  auto healer = MakeHealer(kRestart);
  std::vector<intake::Episode> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(Fire("n" + std::to_string(i), {{"alertname", "Noise" + std::to_string(i)}}));
  }
  // Recorded before Submit returns: no thread, no queue.
  EXPECT_TRUE(healer->Submit(batch));
  EXPECT_EQ(healer->queued(), 0u);
  const std::vector<HealRecord> records = Records();
  ASSERT_EQ(records.size(), 50u);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(records[i].episode, batch[i].key);
    EXPECT_EQ(records[i].result, "no_playbook");
    EXPECT_EQ(StateOf(batch[i]), EpisodeState::kHandled);
  }
  EXPECT_EQ(Metric("rebound_heal_unmatched_alerts_total", {}), 50);
}

}  // namespace
}  // namespace rebound::controller::healing
