#include <gtest/gtest.h>

#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

using Outcome = ActionResult::Outcome;
using std::chrono::milliseconds;

constexpr const char* kStep =
    "action: webhook\nurl: https://hooks.example.com/services/T0/secret-token\n";

class WebhookActionTest : public ActionTest {
 protected:
  void SetUp() override { PutDeployment("web", 3, "app:v2"); }

  static std::vector<std::pair<std::string, std::string>> Headers(
      const common::HttpClientRequest& request) {
    return request.headers;
  }
};

TEST_F(WebhookActionTest, PostsTheEpisodeAsJsonByDefault) {
  http_.Push(200, "ok");
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(result.message, "posted to https://hooks.example.com (HTTP 200)");
  common::HttpClientRequest request = http_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://hooks.example.com/services/T0/secret-token");
  EXPECT_EQ(request.timeout, milliseconds(10000));
  EXPECT_EQ(
      Headers(request),
      (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}}));
  nlohmann::json body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["alert"]["name"], "WebDown");
  EXPECT_EQ(body["target"],
            (nlohmann::json{{"kind", "Deployment"}, {"namespace", "shop"}, {"name", "web"}}));
  EXPECT_EQ(body["playbook"], "heal-web");
  EXPECT_EQ(body["dryRun"], false);
}

TEST_F(WebhookActionTest, CustomBodyHeadersAndTimeout) {
  http_.Push(204, "");
  std::unique_ptr<Action> action = Create(
      "action: webhook\n"
      "url: 'https://hooks.example.com/{{ labels.namespace }}'\n"
      "body: '{\"text\": \"{{ target }} is down\"}'\n"
      "timeout: 3s\n"
      "headers:\n  Authorization: Bearer abc\n  content-type: text/plain\n");
  ASSERT_EQ(Run(*action).outcome, Outcome::kDone);
  common::HttpClientRequest request = http_.last();
  EXPECT_EQ(request.url, "https://hooks.example.com/shop");
  EXPECT_EQ(request.body, "{\"text\": \"shop/web is down\"}");
  EXPECT_EQ(request.timeout, milliseconds(3000));
  EXPECT_EQ(Headers(request),
            (std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer abc"},
                                                              {"content-type", "text/plain"}}));
}

TEST_F(WebhookActionTest, RetriesServerErrorsWithBackoff) {
  http_.Push(503, "");
  http_.Push(502, "");
  http_.Push(200, "");
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.outcome, Outcome::kDone) << result.message;
  EXPECT_EQ(http_.requests().size(), 3u);
  std::vector<milliseconds> sleeps = sleeper_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], milliseconds(500));
  EXPECT_LT(sleeps[0], milliseconds(1000));
  EXPECT_GE(sleeps[1], milliseconds(1000));
  EXPECT_LT(sleeps[1], milliseconds(2000));
}

TEST_F(WebhookActionTest, HonoursRetryAfter) {
  http_.Push(429, "", {{"retry-after", "7"}});
  http_.Push(200, "");
  EXPECT_EQ(Run(*Create(kStep)).outcome, Outcome::kDone);
  EXPECT_EQ(sleeper_.sleeps(), std::vector<milliseconds>{milliseconds(7000)});
}

TEST_F(WebhookActionTest, GivesUpAfterBoundedRetriesWithoutLeakingTheUrl) {
  for (int i = 0; i < 3; ++i) http_.Push(common::Unavailable("connection refused"));
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "unreachable");
  EXPECT_EQ(result.message, "cannot reach https://hooks.example.com: Unavailable (gave up)");
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
}

TEST_F(WebhookActionTest, ServerErrorsUntilTheEnd) {
  for (int i = 0; i < 3; ++i) http_.Push(500, "");
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.reason, "http_error");
  EXPECT_EQ(result.message, "https://hooks.example.com answered HTTP 500 (gave up)");
}

TEST_F(WebhookActionTest, ClientErrorsAreNotRetried) {
  http_.Push(404, "");
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "http_error");
  EXPECT_EQ(result.message, "https://hooks.example.com answered HTTP 404");
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(WebhookActionTest, ShutdownStopsTheRetries) {
  http_.Push(503, "");
  stop_.request_stop();
  ActionResult result = Run(*Create(kStep));
  EXPECT_EQ(result.reason, "stopped");
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(WebhookActionTest, DryRunSendsNothing) {
  ActionResult result = Run(*Create(kStep), /*dry_run=*/true);
  EXPECT_EQ(result.outcome, Outcome::kDryRun);
  EXPECT_EQ(result.message, "would POST to https://hooks.example.com");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(WebhookActionTest, RenderFailureSendsNothing) {
  ActionResult result =
      Run(*Create("action: webhook\nurl: 'https://hooks.example.com/{{ labels.team }}'\n"));
  EXPECT_EQ(result.reason, "template");
  EXPECT_TRUE(result.message.starts_with("cannot render url: ")) << result.message;
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(WebhookActionTest, RenderedUrlMustBeHttp) {
  vars_.SetAnnotations({{"hook", "ftp://files.example.com/secret"}});
  ActionResult result = Run(*Create("action: webhook\nurl: '{{ annotations.hook }}'\n"));
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.reason, "invalid_url");
  EXPECT_EQ(result.message.find("secret"), std::string::npos) << result.message;
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(WebhookActionTest, TargetGone) {
  target_.name = "gone";
  EXPECT_EQ(Run(*Create(kStep)).reason, "target_gone");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(WebhookActionTest, CheckTimeErrors) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"action: webhook\n", {"1:1: \"steps[0].url\" is required"}},
      {"action: webhook\nurl: ftp://x/y\n",
       {"2:6: \"steps[0].url\" must start with http:// or https://"}},
      {"action: webhook\nurl: http://x\ntimeout: fast\n",
       {"3:10: \"steps[0].timeout\": invalid duration \"fast\": expected a number (use e.g. "
        "30s, 5m, 1h30m)"}},
      {"action: webhook\nurl: http://x\nheaders: [a]\n",
       {"3:10: \"steps[0].headers\": expected a mapping of header names to values, got a "
        "sequence"}},
      {"action: webhook\nurl: http://x\nheaders:\n  'X Bad': v\n  X-Ok: [1]\n",
       {"4:3: \"steps[0].headers.X Bad\": not a valid header name",
        "5:9: \"steps[0].headers.X-Ok\": expected a string, got a sequence"}},
  };
  for (const auto& [yaml, want] : cases) EXPECT_EQ(CheckErrors(yaml), want) << yaml;
}

}  // namespace
}  // namespace rebound::controller::actions
