#include "controller/intake/webhook_handler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "common/base64.h"
#include "store/fault_vfs.h"
#include "tests/controller/intake/journal_fixture.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"
#include "tests/support/test_data.h"

namespace rebound::controller::intake {
namespace {

using common::HttpRequest;
using common::HttpResponse;

std::string Fixture(const std::string& name) {
  return testing::AlertmanagerPayload(name);
}

class WebhookHandlerTest : public JournalFixture {
 protected:
  void SetUp() override {
    JournalFixture::SetUp();
    handler_ = std::make_unique<WebhookHandler>(*journal_, queue_, metrics_);
  }

  HttpRequest Request(std::string body, std::string auth = "",
                      std::string content_type = "application/json") {
    HttpRequest request;
    request.method = "POST";
    request.path = "/webhook/alertmanager";
    request.body = std::move(body);
    if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
    if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
    return request;
  }

  // Runs the request through both stages, as the HTTP server does.
  HttpResponse Post(const HttpRequest& request) {
    if (auto early = handler_->CheckHeaders(request)) return *early;
    return handler_->Handle(request);
  }

  prometheus::Registry registry_;
  exporter::IntakeMetrics metrics_{registry_};
  WorkQueue queue_{100};
  std::unique_ptr<WebhookHandler> handler_;
};

TEST_F(WebhookHandlerTest, AcceptsFiringFixtureAndQueuesOneEpisode) {
  HttpResponse response = Post(Request(Fixture("firing.json")));
  ASSERT_EQ(response.status, 200) << response.body;
  auto json = nlohmann::json::parse(response.body);
  EXPECT_EQ(json["accepted"], 1);
  EXPECT_EQ(json["new"], 1);
  EXPECT_EQ(queue_.depth(), 1u);
  auto listed = journal_->List(std::nullopt, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key.fingerprint, "7fe44a7c20447f6a");
  EXPECT_EQ(metrics_.alerts_firing.Value(), 1);
}

TEST_F(WebhookHandlerTest, RetriedBodyIsDeduplicatedAndNotQueuedAgain) {
  ASSERT_EQ(Post(Request(Fixture("firing.json"))).status, 200);
  HttpResponse again = Post(Request(Fixture("firing.json")));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(nlohmann::json::parse(again.body)["duplicates"], 1);
  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_EQ(metrics_.alerts_deduplicated.Value(), 1);
}

TEST_F(WebhookHandlerTest, ResolvedClosesTheEpisodeAndStaleFiringIsIgnored) {
  ASSERT_EQ(Post(Request(Fixture("firing.json"))).status, 200);
  HttpResponse resolved = Post(Request(Fixture("resolved.json")));
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(nlohmann::json::parse(resolved.body)["resolved"], 1);
  HttpResponse stale = Post(Request(Fixture("firing.json")));
  EXPECT_EQ(nlohmann::json::parse(stale.body)["duplicates"], 1);
  auto closed = journal_->List(EpisodeState::kClosed, 10);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->size(), 1u);
  EXPECT_EQ(queue_.depth(), 2u);  // the new episode and its resolution
}

TEST_F(WebhookHandlerTest, ResolvedWithMovedStartsAtQueuesTheJournaledEpisode) {
  ASSERT_EQ(Post(Request(Fixture("firing.json"))).status, 200);
  std::vector<WorkItem> fresh = queue_.PopBatch(1);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].key.starts_at, "2026-11-22T05:05:09.653Z");

  // Alertmanager kept an earlier startsAt after the alert was posted again.
  nlohmann::json body = nlohmann::json::parse(Fixture("resolved.json"));
  body["alerts"][0]["startsAt"] = "2026-11-22T05:05:09Z";
  HttpResponse response = Post(Request(body.dump()));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(nlohmann::json::parse(response.body)["resolved"], 1);
  ASSERT_EQ(queue_.depth(), 1u);
  std::vector<WorkItem> closed = queue_.PopBatch(1);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(IntakeOutcomeName(closed[0].outcome), "resolved");
  EXPECT_EQ(closed[0].key.fingerprint, "7fe44a7c20447f6a");
  EXPECT_EQ(closed[0].key.starts_at, "2026-11-22T05:05:09.653Z");

  auto listed = journal_->List(std::nullopt, 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(EpisodeStateName((*listed)[0].state), "closed");
  EXPECT_EQ((*listed)[0].ends_at, "2026-11-22T05:05:10.653Z");

  // Alertmanager's retry of that notification is a duplicate and queues nothing.
  HttpResponse again = Post(Request(body.dump()));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body)["duplicates"], 1);
  EXPECT_EQ(queue_.depth(), 0u);
}

TEST_F(WebhookHandlerTest, GroupedTruncatedPayloadRecordsEachAlert) {
  HttpResponse response = Post(Request(Fixture("grouped-truncated-firing.json")));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body)["new"], 2);
}

TEST_F(WebhookHandlerTest, BearerTokenIsRequiredWhenConfigured) {
  handler_->SetAuth({.bearer_token = "t0ken", .basic_username = "", .basic_password = ""});
  EXPECT_EQ(Post(Request(Fixture("firing.json"))).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "Bearer wrong")).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "Bearer t0ke")).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "Basic dDBrZW4=")).status, 401);
  HttpResponse denied = Post(Request(Fixture("firing.json"), "Bearer wrong"));
  EXPECT_EQ(denied.headers.at(0).first, "WWW-Authenticate");
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "Bearer t0ken")).status, 200);
}

TEST_F(WebhookHandlerTest, BasicAuthChecksUserAndPassword) {
  handler_->SetAuth({.bearer_token = "", .basic_username = "am", .basic_password = "pw"});
  auto basic = [](std::string credentials) { return "Basic " + common::Base64Encode(credentials); };
  EXPECT_EQ(Post(Request(Fixture("firing.json"), basic("am:bad"))).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), basic("xx:pw"))).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), basic("ampw"))).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "Basic !!!!")).status, 401);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), basic("am:pw"))).status, 200);
}

TEST_F(WebhookHandlerTest, ContentTypeMustBeJson) {
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "", "")).status, 415);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "", "text/plain")).status, 415);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "", "application/jsonx")).status, 415);
  EXPECT_EQ(Post(Request(Fixture("firing.json"), "", "Application/JSON; charset=utf-8")).status,
            200);
}

TEST_F(WebhookHandlerTest, MalformedPayloadIs400NamingTheProblem) {
  HttpResponse syntax = Post(Request("{\"version\":"));
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(nlohmann::json::parse(syntax.body)["status"], "error");
  HttpResponse schema = Post(Request(R"({"version":"4","alerts":[{"status":"firing"}]})"));
  EXPECT_EQ(schema.status, 400);
  EXPECT_NE(nlohmann::json::parse(schema.body)["error"].get<std::string>().find("alerts[0]"),
            std::string::npos)
      << schema.body;
  EXPECT_EQ(queue_.depth(), 0u);
}

TEST_F(WebhookHandlerTest, FullQueueIs503AndNothingIsJournaled) {
  WorkQueue tiny(1);
  WebhookHandler handler(*journal_, tiny, metrics_);
  HttpResponse response = handler.Handle(Request(Fixture("grouped-truncated-firing.json")));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers,
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "5"}}));
  auto listed = journal_->List(std::nullopt, 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // The reservation was released: a batch that fits is accepted.
  EXPECT_EQ(handler.Handle(Request(Fixture("firing.json"))).status, 200);
}

// A notification of one firing alert, as Alertmanager posts it.
constexpr std::string_view kDiskAlert = R"({
  "version": "4", "status": "firing", "receiver": "selfheal",
  "externalURL": "http://alertmanager:9093",
  "alerts": [{"status": "firing", "fingerprint": "0d15cf011", "labels": {"alertname": "DiskFull"},
              "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
              "endsAt": "0001-01-01T00:00:00Z", "generatorURL": ""}]
})";

// The webhook over a journal whose storage fails on demand (store::FaultVfs).
class WebhookJournalFaultTest : public ::testing::TestWithParam<store::Fault> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        OpenOnFaultVfs("webhook-fault-test", dir_.path(), clock_, vfs_, journal_));
    handler_ = std::make_unique<WebhookHandler>(*journal_, queue_, metrics_);
  }

  HttpResponse Post(std::string_view body) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/webhook/alertmanager";
    request.body = std::string(body);
    request.headers.emplace_back("Content-Type", "application/json");
    if (auto early = handler_->CheckHeaders(request)) return *early;
    return handler_->Handle(request);
  }

  size_t Journaled() {
    auto listed = journal_->List(std::nullopt, 10);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? listed->size() : 0;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  prometheus::Registry registry_;
  exporter::IntakeMetrics metrics_{registry_};
  WorkQueue queue_{100};
  std::unique_ptr<store::FaultVfs> vfs_;  // outlives the journal's connections
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<WebhookHandler> handler_;
};

TEST_P(WebhookJournalFaultTest, FailedJournalCommitIs503AndAcknowledgesNothing) {
  vfs_->Inject(GetParam());
  HttpResponse refused = Post(kDiskAlert);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.content_type, "application/json");
  nlohmann::json error = nlohmann::json::parse(refused.body);
  EXPECT_EQ(error["status"], "error");
  EXPECT_EQ(error["error"], "journal unavailable; retry later");
  EXPECT_EQ(refused.headers,
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "5"}}));
  EXPECT_GT(vfs_->failures(), 0);
  EXPECT_EQ(metrics_.journal_errors.Value(), 1);
  EXPECT_EQ(metrics_.alerts_firing.Value(), 0);
  // Nothing queued for the worker, no room held in the queue, nothing visible as committed.
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_TRUE(queue_.TryReserve(100));
  queue_.Release(100);
  EXPECT_EQ(Journaled(), 0u);
}

TEST_P(WebhookJournalFaultTest, RetryAfterTheFaultClearsIsStoredExactlyOnce) {
  vfs_->Inject(GetParam());
  ASSERT_EQ(Post(kDiskAlert).status, 503);
  ASSERT_EQ(Post(kDiskAlert).status, 503);  // Alertmanager retries while the disk still fails

  vfs_->Inject(store::Fault::kNone);  // no restart: the same journal and connections
  HttpResponse accepted = Post(kDiskAlert);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(nlohmann::json::parse(accepted.body)["new"], 1);
  HttpResponse again = Post(kDiskAlert);  // a retry whose 200 got lost
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body)["duplicates"], 1);

  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_EQ(Journaled(), 1u);
  EXPECT_EQ(metrics_.journal_errors.Value(), 2);
}

INSTANTIATE_TEST_SUITE_P(Faults, WebhookJournalFaultTest,
                         ::testing::Values(store::Fault::kWriteError, store::Fault::kDiskFull,
                                           store::Fault::kSyncError),
                         [](const auto& info) {
                           return std::string(store::FaultName(info.param));
                         });

}  // namespace
}  // namespace rebound::controller::intake
