// Durable before acknowledged: SIGKILL mid-stream loses no acknowledged episode and
// duplicates none.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/rebound_daemon.h"

namespace rebound::testing {
namespace {

std::string Payload(int i) {
  nlohmann::json alert = {
      {"status", "firing"},
      {"labels", {{"alertname", "CrashTest"}, {"n", std::to_string(i)}}},
      {"annotations", nlohmann::json::object()},
      {"startsAt", "2026-11-22T05:00:00.123456789Z"},
      {"endsAt", "0001-01-01T00:00:00Z"},
      {"generatorURL", ""},
      {"fingerprint", "crash-" + std::to_string(i)}};
  return nlohmann::json({{"version", "4"}, {"status", "firing"}, {"receiver", "rebound"},
                         {"alerts", {alert}}})
      .dump();
}

std::multiset<std::string> Fingerprints(ReboundDaemon& daemon) {
  std::multiset<std::string> out;
  auto response = daemon.Get("/api/v1/episodes?limit=10000");
  if (!response.ok() || response->status != 200) {
    ADD_FAILURE() << (response.ok() ? response->body : response.status().ToString());
    return out;
  }
  nlohmann::json body = nlohmann::json::parse(response->body);
  for (const auto& e : body["data"]) out.insert(e["fingerprint"].get<std::string>());
  return out;
}

TEST(CrashDurabilityTest, EveryAcknowledgedEpisodeSurvivesSigkillExactlyOnce) {
  constexpr int kSenders = 4;
  constexpr int kPerSender = 400;
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());

  std::mutex mu;
  std::set<int> acked;
  std::atomic<int> attempted{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int k = 0; k < kPerSender; ++k) {
        int i = s * kPerSender + k;
        attempted++;
        auto response = daemon.PostWebhook(Payload(i));
        if (!response.ok()) return;  // the daemon is gone
        if (response->status == 200) {
          std::lock_guard lock(mu);
          acked.insert(i);
        }
      }
    });
  }
  // Kill once a good part of the stream is acknowledged, while senders are still sending.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return acked.size() >= 300;
      },
      std::chrono::seconds(60)));
  daemon.process().Signal(SIGKILL);
  for (auto& t : senders) t.join();
  ASSERT_EQ(daemon.process().Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_LT(acked.size(), static_cast<size_t>(kSenders * kPerSender)) << "killed too late";

  ASSERT_TRUE(daemon.Start());
  std::multiset<std::string> recorded = Fingerprints(daemon);
  for (int i : acked) {
    EXPECT_EQ(recorded.count("crash-" + std::to_string(i)), 1u) << "episode " << i;
  }
  // Nothing recorded that was never sent, nothing recorded twice.
  EXPECT_LE(recorded.size(), static_cast<size_t>(attempted.load()));
  EXPECT_EQ(std::set<std::string>(recorded.begin(), recorded.end()).size(), recorded.size());
  // Resumed after the restart: every recorded episode is taken up again (no playbook matches,
  // so each ends "handled").
  EXPECT_TRUE(WaitFor(
      [&] {
        auto response = daemon.Get("/api/v1/episodes?state=handled&limit=10000");
        return response.ok() &&
               nlohmann::json::parse(response->body)["data"].size() == recorded.size();
      },
      std::chrono::seconds(30)));
  // Alertmanager re-sending what was acknowledged creates nothing new.
  for (int i : acked) {
    auto response = daemon.PostWebhook(Payload(i));
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(nlohmann::json::parse(response->body)["new"], 0) << i;
    if (i > 50) break;  // a sample is enough
  }
  EXPECT_EQ(Fingerprints(daemon).size(), recorded.size());
}

}  // namespace
}  // namespace rebound::testing
