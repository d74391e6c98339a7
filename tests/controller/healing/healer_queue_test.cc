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

  // Submits two episodes to `healer`, which is full then; the third hand-over must wait (the
  // worker stops taking from the intake queue) until its stop token is requested (the intake
  // queue closing): it gives up, and the episode stays pending in the journal. Returns it.
  intake::Episode SubmitTwoAndExpectTheThirdToWait(Healer& healer) {
    EXPECT_TRUE(healer.Submit(Fire("w1", CrashOf("a"))));
    EXPECT_TRUE(healer.Submit(Fire("w2", CrashOf("b"))));
    EXPECT_EQ(healer.queued(), 2u);
    std::stop_source stop;
    intake::Episode third = Fire("w3", CrashOf("c"));
    auto blocked = std::async(std::launch::async, [&] {
      return healer.Submit(std::vector<intake::Episode>{third}, stop.get_token());
    });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    EXPECT_EQ(healer.queued(), 2u);
    stop.request_stop();
    EXPECT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_FALSE(blocked.get());
    EXPECT_EQ(healer.queued(), 2u);
    return third;
  }

  // Submits `episode` to the full `healer`: it waits until Release() ends the first
  // remediation and a waiting episode starts, then goes in, and is refused (no such deployment).
  void ExpectRoomFreedByAStartToLetIn(Healer& healer, const intake::Episode& episode) {
    auto blocked = std::async(std::launch::async, [&] { return healer.Submit(episode); });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    Release();
    EXPECT_EQ(blocked.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_TRUE(blocked.get());
    healer.WaitIdle();
    EXPECT_EQ(StateOf(episode), EpisodeState::kHandled);
  }

  std::promise<void> busy_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

TEST_F(HealerQueueTest, SubmitWaitsForRoomAndGivesUpWhenStopped) {
  auto healer = BlockedHealer(2);
  const intake::Episode third = SubmitTwoAndExpectTheThirdToWait(*healer);

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
  ExpectRoomFreedByAStartToLetIn(*healer, Fire("w2", CrashOf("b")));
}

TEST_F(HealerQueueTest, SubmitWaitsWhileTheWaitingBytesAreFullAndGivesUpWhenStopped) {
  // Room for ten episodes by count but two and a half by bytes.
  const size_t each = intake::ApproximateSize(Fire("w1", CrashOf("a")));
  healer_options_.max_waiting_bytes = 2 * each + each / 2;
  auto healer = BlockedHealer(10);
  const intake::Episode third = SubmitTwoAndExpectTheThirdToWait(*healer);
  EXPECT_EQ(healer->queued_bytes(), 2 * each);

  // Bytes freed by a start let it in.
  ExpectRoomFreedByAStartToLetIn(*healer, third);
  EXPECT_EQ(healer->queued_bytes(), 0u);
}

TEST_F(HealerQueueTest, AnEpisodeLargerThanTheByteBoundWaitsAlone) {
  healer_options_.max_waiting_bytes = 1;
  auto healer = BlockedHealer(10);
  EXPECT_TRUE(healer->Submit(Fire("w1", CrashOf("a"))));  // nothing else waits: taken
  EXPECT_EQ(healer->queued(), 1u);
  ExpectRoomFreedByAStartToLetIn(*healer, Fire("w2", CrashOf("b")));
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
