// The real `rebound` binary under idle and slow clients: probes and the webhook keep answering
// while hundreds of connections send nothing or drip their headers, and connections beyond
// server.max_connections are refused.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "tests/support/raw_http.h"
#include "tests/support/rebound_daemon.h"
#include "tests/support/test_data.h"

namespace rebound::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kIdle = 600;  // more than the 512 connections the old server could hold
constexpr int kSlowloris = 50;

// Each answer within 1 s (the client's timeout), on a fresh connection.
common::Result<common::HttpClientResponse> Ask(common::HttpClient& client,
                                               const ReboundDaemon& daemon,
                                               const std::string& method, const std::string& path,
                                               const std::string& body) {
  common::HttpClientRequest request;
  request.method = method;
  request.url = daemon.Url(path);
  request.body = body;
  request.timeout = seconds(1);
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", std::string("Bearer ") + ReboundDaemon::kToken},
                     {"Connection", "close"}};
  return client.Send(request);
}

TEST(HttpAbuseTest, ProbesAndWebhookAnswerWithHundredsOfIdleAndSlowConnections) {
  TempDir dir;
  ReboundDaemon daemon(dir);  // the default server settings
  ASSERT_TRUE(daemon.Start());

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<RawConnection>(daemon.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Slowloris: each connection sends a header line every 200ms, for as long as the test runs.
  std::atomic<bool> done{false};
  std::thread slowloris([&] {
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < kSlowloris; ++i) {
      slow.push_back(std::make_unique<RawConnection>(daemon.port()));
      slow.back()->Send("GET /healthz HTTP/1.1\r\n");
    }
    while (!done) {
      for (auto& connection : slow) connection->Send("X-Slow: 1\r\n");
      std::this_thread::sleep_for(milliseconds(200));  // the attacker's pace, not a wait
    }
  });

  common::CurlHttpClient client;
  auto ask = [&](const std::string& method, const std::string& path, const std::string& body) {
    return Ask(client, daemon, method, path, body);
  };
  const std::string alert = AlertmanagerPayload("firing.json");
  for (int i = 0; i < 10; ++i) {
    auto health = ask("GET", "/healthz", "");
    ASSERT_TRUE(health.ok()) << "probe " << i << ": " << health.status().ToString();
    EXPECT_EQ(health->status, 200);
    auto webhook = ask("POST", "/webhook/alertmanager", alert);
    ASSERT_TRUE(webhook.ok()) << "webhook " << i << ": " << webhook.status().ToString();
    EXPECT_EQ(webhook->status, 200);
  }
  done = true;
  slowloris.join();
}

// Connections beyond server.max_connections are closed on accept; the ones within it, and
// probes once a slot is free, are served as usual.
TEST(HttpAbuseTest, ConnectionsBeyondTheLimitAreRefused) {
  constexpr int kLimit = 40;
  constexpr int kHeld = 30;
  constexpr int kMore = 20;  // kHeld + kMore - kLimit of them are refused
  TempDir dir;
  ReboundDaemon daemon(dir, "server: { max_connections: " + std::to_string(kLimit) + " }\n");
  ASSERT_TRUE(daemon.Start());
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kHeld; ++i) {
    held.push_back(std::make_unique<RawConnection>(daemon.port()));
    ASSERT_TRUE(held.back()->connected());
  }
  // Each asks for /healthz: served ones answer 200, refused ones were closed without a word.
  int served = 0, refused = 0;
  std::vector<std::unique_ptr<RawConnection>> more;
  for (int i = 0; i < kMore; ++i) {
    more.push_back(std::make_unique<RawConnection>(daemon.port()));
    more.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string answer = more.back()->Receive(seconds(5), "\r\n\r\n");
    if (RawConnection::Status(answer) == 200) ++served;
    if (answer.empty()) ++refused;
  }
  EXPECT_EQ(served + refused, kMore);
  EXPECT_GE(refused, kHeld + kMore - kLimit);
  EXPECT_LE(served, kLimit - kHeld);
  more.clear();  // frees their slots; the held ones stay
  common::CurlHttpClient client;
  for (int i = 0; i < 5; ++i) {
    auto health = Ask(client, daemon, "GET", "/healthz", "");
    ASSERT_TRUE(health.ok()) << "probe " << i << ": " << health.status().ToString();
    EXPECT_EQ(health->status, 200);
  }
}

// Framing the daemon cannot trust is refused, on the webhook as anywhere else.
TEST(HttpAbuseTest, ConflictingContentLengthsAndShortBodiesAre400) {
  TempDir dir;
  ReboundDaemon daemon(dir, "server: { body_timeout: 500ms }\n");
  ASSERT_TRUE(daemon.Start());
  const std::string head = std::string("POST /webhook/alertmanager HTTP/1.1\r\nHost: x\r\n") +
                           "Authorization: Bearer " + ReboundDaemon::kToken +
                           "\r\nContent-Type: application/json\r\n";
  RawConnection conflicting(daemon.port());
  ASSERT_TRUE(conflicting.Send(head + "Content-Length: 2\r\nContent-Length: 20\r\n\r\n{}"));
  EXPECT_EQ(RawConnection::Status(conflicting.Receive(seconds(5), "\r\n\r\n")), 400);

  RawConnection stalled(daemon.port());
  ASSERT_TRUE(stalled.Send(head + "Content-Length: 20\r\n\r\n{}"));
  EXPECT_EQ(RawConnection::Status(stalled.Receive(seconds(5), "\r\n\r\n")), 400);
  EXPECT_EQ(daemon.Metric("rebound_webhook_requests_total{code=\"400\"}"), 2);
}

}  // namespace
}  // namespace rebound::testing
