// The worker's hand-over: batches reach the sink, a sink that blocks (healing full) makes the
// WorkQueue fill until the webhook answers 503 with Retry-After, and closing the queue ends the
// sink's wait so that Join returns.
#include "controller/intake/worker.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/intake/webhook_handler.h"
#include "tests/controller/intake/journal_fixture.h"

namespace rebound::controller::intake {
namespace {

// A sink that takes one batch and then blocks, as healing does when it holds as many
// episodes as it may, until the stop token is requested.
class BlockingSink {
 public:
  bool Take(const std::vector<Episode>& episodes, std::stop_token stop) {
    std::unique_lock lock(mu_);
    for (const Episode& e : episodes) taken_.push_back(e.key.fingerprint);
    changed_.notify_all();
    if (taken_.size() < 2 && !blocked_once_) return true;
    blocked_once_ = true;
    ++waiting_;
    changed_.notify_all();
    std::condition_variable_any cv;
    cv.wait(lock, stop, [] { return false; });  // until the queue closes
    --waiting_;
    stopped_ = true;
    return false;
  }
  // Waits up to 30 s until a sink call is blocked.
  bool WaitBlocked() {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return waiting_ > 0; });
  }
  size_t taken() const {
    std::lock_guard lock(mu_);
    return taken_.size();
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> taken_;
  int waiting_ = 0;
  bool blocked_once_ = false;
  bool stopped_ = false;
};

class WorkerTest : public JournalFixture {
 protected:
  void SetUp() override {
    JournalFixture::SetUp();
    handler_ = std::make_unique<WebhookHandler>(*journal_, queue_, metrics_);
  }

  common::HttpResponse Post(const std::string& fingerprint) {
    nlohmann::json alert = {{"status", "firing"},
                            {"labels", {{"alertname", "Storm"}, {"n", fingerprint}}},
                            {"annotations", nlohmann::json::object()},
                            {"startsAt", "2024-05-01T10:00:00Z"},
                            {"endsAt", "0001-01-01T00:00:00Z"},
                            {"generatorURL", ""},
                            {"fingerprint", fingerprint}};
    nlohmann::json payload = {{"version", "4"},
                              {"groupKey", "{}:{}"},
                              {"status", "firing"},
                              {"receiver", "rebound"},
                              {"groupLabels", nlohmann::json::object()},
                              {"commonLabels", nlohmann::json::object()},
                              {"commonAnnotations", nlohmann::json::object()},
                              {"externalURL", "http://alertmanager:9093"},
                              {"alerts", nlohmann::json::array({alert})}};
    common::HttpRequest request;
    request.method = "POST";
    request.body = payload.dump();
    request.headers.emplace_back("Content-Type", "application/json");
    return handler_->Handle(request);
  }

  prometheus::Registry registry_;
  exporter::IntakeMetrics metrics_{registry_};
  WorkQueue queue_{4};
  std::unique_ptr<WebhookHandler> handler_;
};

TEST_F(WorkerTest, BlockedHandOverFillsTheQueueUntilTheWebhookAnswers503AndCloseEndsTheWait) {
  BlockingSink sink;
  Worker worker(*journal_, queue_, metrics_,
                [&](const std::vector<Episode>& e, std::stop_token s) { return sink.Take(e, s); });
  worker.Start();
  int accepted = 0;
  common::HttpResponse refused;
  // The sink takes the first episodes, then blocks; the worker then holds one batch and the
  // queue (capacity 4) fills: the webhook must refuse within a bounded number of posts.
  for (int i = 0; i < 64; ++i) {
    common::HttpResponse response = Post("f" + std::to_string(i));
    if (response.status == 503) {
      refused = response;
      break;
    }
    ASSERT_EQ(response.status, 200) << response.body;
    ++accepted;
    if (i == 1) {
      ASSERT_TRUE(sink.WaitBlocked());
    }
  }
  ASSERT_EQ(refused.status, 503) << "the queue never filled: the hand-over buffers";
  bool retry_after = false;
  for (const auto& [name, value] : refused.headers) retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(queue_.depth(), 4u);
  EXPECT_LE(accepted, 4 + 3);  // the queue plus what the sink took and the blocked batch
  // Every accepted alert is journaled, whether or not it was handed over.
  auto all = journal_->List(std::nullopt, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(accepted));

  queue_.Close();  // the daemon stopping: the blocked hand-over must give up
  worker.Join();
  EXPECT_TRUE(sink.stopped());
  // Nothing is lost: what healing did not take stays unfinished in the journal for the next
  // start.
  auto unfinished = journal_->Unfinished();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_EQ(unfinished->size(), static_cast<size_t>(accepted));
}

TEST_F(WorkerTest, HandsOverEachBatchOnceRecordedAsPending) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Episode> received;
  Worker worker(*journal_, queue_, metrics_, [&](const std::vector<Episode>& e, std::stop_token) {
    std::lock_guard lock(mu);
    received.insert(received.end(), e.begin(), e.end());
    cv.notify_all();
    return true;
  });
  worker.Start();
  ASSERT_EQ(Post("a").status, 200);
  ASSERT_EQ(Post("b").status, 200);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return received.size() == 2; }));
    for (const Episode& e : received) EXPECT_EQ(e.state, EpisodeState::kPending);
  }
  queue_.Close();
  worker.Join();
}

TEST_F(WorkerTest, HandsOverInPartsBoundedInBytes) {
  // Unfinished episodes of 600 KB (annotations) and one of 5 MB, resumed at start as one batch.
  std::vector<Alert> alerts;
  for (int i = 0; i < 16; ++i) {
    Alert alert;
    // Zero-padded: episodes received in the same millisecond resume in fingerprint order.
    alert.fingerprint = (i < 10 ? "big0" : "big") + std::to_string(i);
    alert.labels = {{"alertname", "Big"}, {"n", std::to_string(i)}};
    alert.annotations = {{"description", std::string(i == 7 ? 5'000'000 : 600'000, 'x')}};
    alert.starts_at = common::Timestamp::FromTimePoint(clock_.Now());
    alert.ends_at = common::Timestamp::Zero();
    alerts.push_back(std::move(alert));
  }
  ASSERT_TRUE(journal_->Append(alerts, "rebound", "http://alertmanager:9093").ok());

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<size_t>> parts;  // the sizes of each hand-over's episodes
  Worker worker(*journal_, queue_, metrics_, [&](const std::vector<Episode>& e, std::stop_token) {
    std::lock_guard lock(mu);
    parts.emplace_back();
    for (const Episode& episode : e) parts.back().push_back(ApproximateSize(episode));
    cv.notify_all();
    return true;
  });
  worker.Start();
  std::unique_lock lock(mu);
  const auto handed_over = [&] {
    size_t n = 0;
    for (const auto& part : parts) n += part.size();
    return n;
  };
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return handed_over() == 16; }));
  // 600 KB episodes: six fit in 4 MiB. The 5 MB one (the eighth) goes alone: 6, 1, it, 6, 2.
  std::vector<size_t> counts;
  for (const std::vector<size_t>& part : parts) {
    counts.push_back(part.size());
    size_t bytes = 0;
    for (size_t b : part) bytes += b;
    if (part.size() > 1) {
      EXPECT_LE(bytes, Worker::kMaxHandOverBytes);
    }
  }
  EXPECT_EQ(counts, (std::vector<size_t>{6, 1, 1, 6, 2}));
  lock.unlock();
  queue_.Close();
  worker.Join();
}

}  // namespace
}  // namespace rebound::controller::intake
