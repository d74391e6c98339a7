#include "controller/notify/slack_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "controller/notify/slack_message.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_sleeper.h"
#include "tests/support/log_capture.h"

namespace rebound::controller::notify {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWebhookUrl[] = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3n";
constexpr char kWebhookSecret[] = "s3cr3tT0k3n";

using rebound::testing::LogCapture;

Notification Titled(const std::string& title) {
  Notification n;
  n.kind = Notification::Kind::kAction;
  n.thread_key = "KubePodCrashLooping shop/web";
  n.title = title;
  return n;
}

common::HttpClientResponse Response(int status, std::string body,
                                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  common::HttpClientResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

class SlackNotifierTest : public ::testing::Test {
 protected:
  SlackNotifierTest() {
    options_.webhook_url = kWebhookUrl;
    options_.channel = "#ops";
    options_.request_timeout = std::chrono::seconds(7);
    options_.retry.max_attempts = 4;
    options_.retry.initial_backoff = std::chrono::seconds(1);
    options_.retry.max_backoff = std::chrono::seconds(8);
    options_.retry.max_retry_after = std::chrono::seconds(30);
  }

  SlackNotifier& notifier() {
    if (!notifier_) {
      notifier_ = std::make_unique<SlackNotifier>(
          options_, SlackNotifierDeps{http_, clock_, sleeper_, random_, *registry_});
    }
    return *notifier_;
  }

  // Posts one notification through DeliverOne and returns how many requests it took.
  size_t DeliverOneAlone(const std::string& title = "Restarted Deployment shop/web") {
    notifier().Notify(Titled(title));
    EXPECT_TRUE(notifier().DeliverOne());
    return http_.requests().size();
  }

  std::string Metrics() const {
    return prometheus::TextSerializer().Serialize(registry_->Collect());
  }
  static std::string Result(const std::string& result, int value) {
    return "rebound_notifications_total{result=\"" + result + "\",sink=\"slack\"} " +
           std::to_string(value);
  }
  static std::string Requests(const std::string& code, int value) {
    return "rebound_notification_requests_total{code=\"" + code + "\",sink=\"slack\"} " +
           std::to_string(value);
  }

  SlackNotifierOptions options_;
  testing::FakeHttpClient http_;
  testing::FakeClock clock_;
  testing::FakeSleeper sleeper_{clock_};
  testing::FixedRandom random_{0.0};  // every backoff is the lower half of its step
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<SlackNotifier> notifier_;
};

TEST_F(SlackNotifierTest, PostsTheRenderedMessageToTheWebhook) {
  http_.Push(200, "ok");
  Notification n = Titled("Restarted Deployment shop/web");
  notifier().Notify(n);
  EXPECT_EQ(notifier().queue_depth(), 1u);
  ASSERT_TRUE(notifier().DeliverOne());

  ASSERT_EQ(http_.requests().size(), 1u);
  common::HttpClientRequest request = http_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, kWebhookUrl);
  EXPECT_EQ(request.timeout, std::chrono::seconds(7));
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Content-Type", "application/json; charset=utf-8")));
  EXPECT_EQ(nlohmann::json::parse(request.body), RenderSlackMessage(n, "#ops"));
  EXPECT_EQ(notifier().queue_depth(), 0u);
  EXPECT_FALSE(notifier().DeliverOne());
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Requests("200", 1)));
}

TEST_F(SlackNotifierTest, LinksTheConfiguredDashboardFromEveryMessage) {
  options_.dashboard_url = "https://grafana.example/d/rebound";
  http_.Push(200, "ok");
  Notification n = Titled("Restarted Deployment shop/web");
  notifier().Notify(n);
  ASSERT_TRUE(notifier().DeliverOne());
  n.links.push_back({"Dashboard", "https://grafana.example/d/rebound"});
  EXPECT_EQ(nlohmann::json::parse(http_.last().body), RenderSlackMessage(n, "#ops"));
  EXPECT_THAT(http_.last().body, HasSubstr("https://grafana.example/d/rebound"));
}

TEST_F(SlackNotifierTest, MetricsExistFromStartUp) {
  notifier();
  std::string text = Metrics();
  EXPECT_THAT(text, HasSubstr(Result("sent", 0)));
  EXPECT_THAT(text, HasSubstr(Result("failed", 0)));
  EXPECT_THAT(text, HasSubstr(Result("dropped", 0)));
  EXPECT_THAT(text, HasSubstr("rebound_notification_queue_depth{sink=\"slack\"} 0"));
  notifier().Notify(Titled("a"));
  EXPECT_THAT(Metrics(), HasSubstr("rebound_notification_queue_depth{sink=\"slack\"} 1"));
}

TEST_F(SlackNotifierTest, DropsTheOldestWhenTheQueueIsFull) {
  LogCapture log;
  options_.queue_capacity = 2;
  notifier().Notify(Titled("first"));
  notifier().Notify(Titled("second"));
  notifier().Notify(Titled("third"));
  EXPECT_EQ(notifier().queue_depth(), 2u);
  EXPECT_THAT(Metrics(), HasSubstr(Result("dropped", 1)));
  EXPECT_THAT(Metrics(), HasSubstr("rebound_notification_queue_depth{sink=\"slack\"} 2"));
  EXPECT_THAT(log.text(), HasSubstr("queue full"));

  http_.SetHandler([](const common::HttpClientRequest&) { return Response(200, "ok"); });
  while (notifier().DeliverOne()) {
  }
  std::vector<std::string> titles;
  for (const auto& request : http_.requests()) {
    titles.push_back(nlohmann::json::parse(request.body).at("blocks")[0].at("text").at("text"));
  }
  EXPECT_THAT(titles, ElementsAre(":hammer_and_wrench: second", ":hammer_and_wrench: third"));
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 2)));
}

TEST_F(SlackNotifierTest, Retries5xxWithExponentialBackoff) {
  http_.Push(503, "service unavailable");
  http_.Push(500, "rollup_error");
  http_.Push(200, "ok");
  EXPECT_EQ(DeliverOneAlone(), 3u);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(500), milliseconds(1000)));
  std::string text = Metrics();
  EXPECT_THAT(text, HasSubstr(Result("sent", 1)));
  EXPECT_THAT(text, HasSubstr(Result("failed", 0)));
  EXPECT_THAT(text, HasSubstr(Requests("503", 1)));
  EXPECT_THAT(text, HasSubstr(Requests("500", 1)));
}

TEST_F(SlackNotifierTest, GivesUpAfterMaxAttempts) {
  LogCapture log;
  http_.SetHandler([](const common::HttpClientRequest&) { return Response(502, "bad gateway"); });
  EXPECT_EQ(DeliverOneAlone(), 4u);
  EXPECT_THAT(sleeper_.sleeps(),
              ElementsAre(milliseconds(500), milliseconds(1000), milliseconds(2000)));
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Requests("502", 4)));
  EXPECT_THAT(log.text(), HasSubstr("gave up on \"Restarted Deployment shop/web\""));
  EXPECT_THAT(log.text(), HasSubstr("after 4 attempts: HTTP 502 \"bad gateway\""));
}

TEST_F(SlackNotifierTest, RetriesTimeoutsAndLostConnections) {
  http_.Push(common::DeadlineExceeded("POST https://hooks.slack.com/...: timed out"));
  http_.Push(common::Unavailable("POST https://hooks.slack.com/...: connection refused"));
  http_.Push(200, "ok");
  EXPECT_EQ(DeliverOneAlone(), 3u);
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Requests("timeout", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Requests("error", 1)));
}

TEST_F(SlackNotifierTest, HonoursRetryAfterOn429) {
  http_.Push(429, "rate_limited", {{"retry-after", "7"}});
  http_.Push(200, "ok");
  EXPECT_EQ(DeliverOneAlone(), 2u);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(7000)));
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Requests("429", 1)));
}

TEST_F(SlackNotifierTest, BacksOffOn429WithoutRetryAfter) {
  http_.Push(429, "rate_limited");
  http_.Push(200, "ok");
  EXPECT_EQ(DeliverOneAlone(), 2u);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(500)));
}

TEST_F(SlackNotifierTest, DoesNotWaitForARetryAfterBeyondTheLimit) {
  LogCapture log;
  http_.Push(429, "rate_limited", {{"retry-after", "3600"}});
  EXPECT_EQ(DeliverOneAlone(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 1)));
  EXPECT_THAT(log.text(), HasSubstr("Retry-After of 3600s is longer than the 30s allowed"));
}

TEST_F(SlackNotifierTest, DoesNotRetryOther4xxAndLogsSlacksAnswer) {
  LogCapture log;
  http_.Push(400, "invalid_payload");
  http_.Push(200, "ok");  // would be used by a wrong retry
  EXPECT_EQ(DeliverOneAlone(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 1)));
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 0)));
  EXPECT_THAT(log.text(), HasSubstr("cannot deliver \"Restarted Deployment shop/web\" "
                                    "([Rebound] KubePodCrashLooping shop/web): "
                                    "HTTP 400 \"invalid_payload\""));
}

TEST_F(SlackNotifierTest, DoesNotRetryABadRequest) {
  http_.Push(common::InvalidArgument("POST hooks.slack.com: URL using bad/illegal format"));
  EXPECT_EQ(DeliverOneAlone(), 1u);
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 1)));
}

TEST_F(SlackNotifierTest, NeverLogsTheWebhookUrl) {
  LogCapture log;
  options_.queue_capacity = 1;
  // An HTTP client that names the whole URL, or its path, in errors; Slack echoing it back.
  http_.Push(common::Unavailable(std::string("POST ") + kWebhookUrl + ": connection refused"));
  http_.Push(common::DeadlineExceeded("POST /services/T0001/B0002/s3cr3tT0k3n timed out"));
  http_.Push(common::Unavailable(std::string("gave up on ") + kWebhookUrl));
  http_.Push(common::Unavailable("again"));
  DeliverOneAlone();
  http_.Push(404, std::string("no_service for ") + kWebhookUrl);
  DeliverOneAlone();
  http_.Push(common::InvalidArgument(std::string("bad URL ") + kWebhookUrl));
  DeliverOneAlone();
  notifier().Notify(Titled("dropped"));
  notifier().Notify(Titled("dropped too"));
  notifier().DrainBeforeStop();

  EXPECT_THAT(log.text(), Not(HasSubstr(kWebhookSecret)));
  EXPECT_THAT(log.text(), Not(HasSubstr("T0001")));
  EXPECT_THAT(log.text(), HasSubstr("<Slack webhook>"));
}

TEST_F(SlackNotifierTest, AStopCutsTheBackoffShortAndFailsTheMessage) {
  LogCapture log;
  http_.Push(503, "unavailable");
  std::stop_source stop;
  stop.request_stop();
  notifier().Notify(Titled("late"));
  EXPECT_TRUE(notifier().DeliverOne(stop.get_token()));
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 1)));
  EXPECT_THAT(log.text(), HasSubstr("shutting down"));
}

TEST_F(SlackNotifierTest, DrainDeliversWhatFitsInTheDrainTimeoutAndDropsTheRest) {
  LogCapture log;
  options_.drain_timeout = std::chrono::seconds(5);
  http_.SetHandler([this](const common::HttpClientRequest&) {
    clock_.Advance(std::chrono::seconds(2));
    return Response(200, "ok");
  });
  for (int i = 0; i < 5; ++i) notifier().Notify(Titled("m" + std::to_string(i)));
  notifier().DrainBeforeStop();
  EXPECT_EQ(http_.requests().size(), 3u);  // started at 0s, 2s and 4s
  EXPECT_EQ(notifier().queue_depth(), 0u);
  EXPECT_THAT(Metrics(), HasSubstr(Result("sent", 3)));
  EXPECT_THAT(Metrics(), HasSubstr(Result("dropped", 2)));
  EXPECT_THAT(Metrics(), HasSubstr("rebound_notification_queue_depth{sink=\"slack\"} 0"));
  EXPECT_THAT(log.text(), HasSubstr("2 notification(s) not delivered before shutdown"));
}

TEST_F(SlackNotifierTest, DrainMakesOneAttemptPerMessage) {
  http_.SetHandler([](const common::HttpClientRequest&) { return Response(503, "down"); });
  notifier().Notify(Titled("a"));
  notifier().Notify(Titled("b"));
  notifier().DrainBeforeStop();
  EXPECT_EQ(http_.requests().size(), 2u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
  EXPECT_THAT(Metrics(), HasSubstr(Result("failed", 2)));
}

TEST_F(SlackNotifierTest, SendsTextThatIsNotUtf8) {
  http_.Push(200, "ok");
  DeliverOneAlone("bad \xff byte");
  nlohmann::json body = nlohmann::json::parse(http_.last().body);
  EXPECT_THAT(body.at("blocks")[0].at("text").at("text").get<std::string>(),
              HasSubstr("bad \xEF\xBF\xBD byte"));  // U+FFFD
}

}  // namespace
}  // namespace rebound::controller::notify
