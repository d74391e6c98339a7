// The real SlackNotifier thread posting over loopback HTTP (CurlHttpClient) to a SlackSink.
// No backoff waits: the only waiting is for delivery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "controller/notify/slack_notifier.h"
#include "tests/support/slack_sink.h"

namespace rebound::controller::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::chrono::seconds kDeliveryTimeout(20);

class SlackLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sink_.Start().ok()); }

  std::unique_ptr<SlackNotifier> MakeNotifier() {
    SlackNotifierOptions options;
    options.webhook_url = sink_.Url();
    options.channel = "#ops";
    return std::make_unique<SlackNotifier>(
        options, SlackNotifierDeps{http_, clock_, sleeper_, random_, *registry_});
  }

  static Notification Titled(const std::string& title) {
    Notification n;
    n.kind = Notification::Kind::kAction;
    n.thread_key = "KubePodCrashLooping shop/web";
    n.title = title;
    return n;
  }

  static std::vector<std::string> Headers(const std::vector<nlohmann::json>& messages) {
    std::vector<std::string> headers;
    for (const nlohmann::json& m : messages) headers.push_back(m["blocks"][0]["text"]["text"]);
    return headers;
  }

  testing::SlackSink sink_;
  common::CurlHttpClient http_;
  common::SystemClock clock_;
  common::RealSleeper sleeper_;
  common::SystemRandom random_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(SlackLoopbackTest, DeliversInOrderAndHonoursA429) {
  sink_.FailNext(1, 429, "rate_limited", /*retry_after_seconds=*/0);
  std::unique_ptr<SlackNotifier> notifier = MakeNotifier();
  notifier->Start();
  notifier->Notify(Titled("one"));
  notifier->Notify(Titled("two"));
  notifier->Notify(Titled("three"));
  ASSERT_TRUE(sink_.WaitForMessages(3, kDeliveryTimeout));

  std::vector<nlohmann::json> messages = sink_.Messages();
  EXPECT_THAT(Headers(messages), ElementsAre(":hammer_and_wrench: one", ":hammer_and_wrench: two",
                                             ":hammer_and_wrench: three"));
  for (const nlohmann::json& m : messages) {
    EXPECT_THAT(m["text"].get<std::string>(), StartsWith("[Rebound] KubePodCrashLooping shop/web"));
    EXPECT_EQ(m["channel"], "#ops");
  }
  std::vector<testing::SlackSinkRequest> requests = sink_.Requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].answered, 429);
  EXPECT_EQ(requests[0].body, requests[1].body);  // the same message again
  for (const testing::SlackSinkRequest& r : requests) {
    EXPECT_EQ(r.path, sink_.Url().substr(sink_.Url().find("/services/")));
    EXPECT_THAT(r.content_type, StartsWith("application/json"));
  }

  notifier.reset();
  std::string metrics = prometheus::TextSerializer().Serialize(registry_->Collect());
  EXPECT_THAT(metrics, HasSubstr("rebound_notifications_total{result=\"sent\",sink=\"slack\"} 3"));
  EXPECT_THAT(metrics,
              HasSubstr("rebound_notification_requests_total{code=\"429\",sink=\"slack\"} 1"));
}

TEST_F(SlackLoopbackTest, DeliversWhatIsQueuedBeforeStopping) {
  std::unique_ptr<SlackNotifier> notifier = MakeNotifier();
  notifier->Start();
  for (int i = 0; i < 5; ++i) notifier->Notify(Titled("m" + std::to_string(i)));
  notifier.reset();  // at once: what the thread has not sent yet, the drain sends
  EXPECT_THAT(
      Headers(sink_.Messages()),
      ElementsAre(":hammer_and_wrench: m0", ":hammer_and_wrench: m1", ":hammer_and_wrench: m2",
                  ":hammer_and_wrench: m3", ":hammer_and_wrench: m4"));
}

// A Slack that takes requests and never answers must not hold up shutdown for the request's
// timeout: the request in flight is cancelled and the drain ends on time.
TEST_F(SlackLoopbackTest, StopsOnTimeWhenSlackHangs) {
  sink_.Hang();
  SlackNotifierOptions options;
  options.webhook_url = sink_.Url();
  options.request_timeout = std::chrono::seconds(60);
  options.drain_timeout = std::chrono::milliseconds(500);
  auto notifier = std::make_unique<SlackNotifier>(
      options, SlackNotifierDeps{http_, clock_, sleeper_, random_, *registry_});
  notifier->Start();
  for (int i = 0; i < 3; ++i) notifier->Notify(Titled("m" + std::to_string(i)));
  ASSERT_TRUE(sink_.WaitForRequests(1, kDeliveryTimeout));

  const auto start = std::chrono::steady_clock::now();
  notifier.reset();
  // 500ms of drain, then cancellation seen within about a second: far below 60s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // The request in flight is cancelled once the drain time is up; nothing was delivered.
  std::string metrics = prometheus::TextSerializer().Serialize(registry_->Collect());
  EXPECT_THAT(metrics, HasSubstr("rebound_notifications_total{result=\"dropped\",sink=\"slack\"} 3"));
}

}  // namespace
}  // namespace rebound::controller::notify
