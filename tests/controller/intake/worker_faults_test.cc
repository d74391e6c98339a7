// The intake worker when the journal cannot commit (store::FaultVfs): episodes go on once the
// disk has room again, without a restart, each handed over exactly once.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "controller/intake/journal.h"
#include "controller/intake/work_queue.h"
#include "controller/intake/worker.h"
#include "exporter/intake_metrics.h"
#include "store/fault_vfs.h"
#include "tests/controller/intake/journal_fixture.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::intake::worker_faults_test {

using std::chrono::seconds;

constexpr auto kDeadline = seconds(30);

Alert Firing(const std::string& fingerprint) {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  alert.fingerprint = fingerprint;
  alert.labels = {{"alertname", "DiskFull"}};
  alert.starts_at = common::Timestamp{1767225600, 0};
  return alert;
}

class WorkerFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        OpenOnFaultVfs("worker-fault-test", dir_.path(), clock_, vfs_, journal_));
    worker_ = std::make_unique<Worker>(
        *journal_, queue_, metrics_, [this](const std::vector<Episode>& episodes, std::stop_token) {
          std::lock_guard lock(mu_);
          for (const Episode& e : episodes) {
            ++handed_[e.key.fingerprint];
            EXPECT_EQ(e.state, EpisodeState::kPending);
          }
          return true;
        });
  }

  void TearDown() override {
    queue_.Close();
    if (worker_) worker_->Join();
  }

  // Journals `n` firing alerts (Journalize); the worker gets them from Queue. (Journaled before the
  // worker starts, they would be resumed from the journal as well as queued.)
  std::vector<AppendResult> Journalize(int n, const std::string& prefix = "fp-") {
    std::vector<Alert> alerts;
    for (int i = 0; i < n; ++i) alerts.push_back(Firing(prefix + std::to_string(i)));
    auto results = journal_->Append(alerts, "team", "http://am");
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    return results.ok() ? *results : std::vector<AppendResult>();
  }

  std::vector<EpisodeKey> Queue(const std::vector<AppendResult>& results) {
    std::vector<EpisodeKey> keys;
    EXPECT_TRUE(queue_.TryReserve(results.size()));
    for (const AppendResult& r : results) {
      keys.push_back(r.key);
      queue_.PushReserved(WorkItem{r.key, r.outcome});
    }
    return keys;
  }

  // Starts the worker and waits until it serves the queue: it has resumed what the journal
  // held, so what is journaled from now on reaches it through the queue only.
  void StartServing() {
    worker_->Start();
    Queue(Journalize(1, "sentinel-"));
    ASSERT_TRUE(
        rebound::testing::WaitFor([&] { return Handed().count("sentinel-0") == 1; }, kDeadline));
  }

  // The worker took `keys` while the disk is full: none is handed over until it has room again;
  // then each is, exactly once, without a restart.
  void ExpectNoneHandedOverUntilTheDiskHasRoom(const std::vector<EpisodeKey>& keys) {
    ASSERT_TRUE(rebound::testing::WaitFor(
        [&] { return journal_->failed_states() == keys.size() && vfs_->failures() >= 2; },
        kDeadline));
    const size_t before = Handed().size();  // the sentinel, if any
    for (const EpisodeKey& key : keys) EXPECT_EQ(Handed().count(key.fingerprint), 0u);
    EXPECT_EQ(metrics_.journal_states_owed.Value(), static_cast<double>(keys.size()));

    vfs_->Inject(store::Fault::kNone);
    ASSERT_TRUE(rebound::testing::WaitFor([&] { return Handed().size() == before + keys.size(); },
                                          kDeadline));
    for (const auto& [fingerprint, times] : Handed()) EXPECT_EQ(times, 1) << fingerprint;
    for (const EpisodeKey& key : keys) {
      common::Result<Episode> episode = journal_->Get(key);
      ASSERT_TRUE(episode.ok()) << episode.status().ToString();
      EXPECT_EQ(episode->state, EpisodeState::kPending);
    }
    EXPECT_EQ(journal_->failed_states(), 0u);
    EXPECT_EQ(metrics_.journal_states_owed.Value(), 0);
  }

  std::map<std::string, int> Handed() {
    std::lock_guard lock(mu_);
    return handed_;
  }

  rebound::testing::TempDir dir_;
  rebound::testing::FakeClock clock_;
  prometheus::Registry registry_;
  exporter::IntakeMetrics metrics_{registry_};
  WorkQueue queue_{1000};
  std::unique_ptr<store::FaultVfs> vfs_;  // outlives the journal's connections
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Worker> worker_;
  std::mutex mu_;
  std::map<std::string, int> handed_;  // guarded by mu_
};

TEST_F(WorkerFaultTest, QueuedEpisodesProceedOnceTheDiskHasRoomAgainEachHandedOverOnce) {
  constexpr int kEpisodes = 24;
  StartServing();
  const std::vector<AppendResult> accepted = Journalize(kEpisodes);
  vfs_->Inject(store::Fault::kDiskFull);
  const std::vector<EpisodeKey> keys = Queue(accepted);
  ASSERT_EQ(keys.size(), size_t{kEpisodes});
  ExpectNoneHandedOverUntilTheDiskHasRoom(keys);
}

TEST_F(WorkerFaultTest, ResumedEpisodesProceedOnceTheDiskHasRoomAgainEachHandedOverOnce) {
  constexpr int kEpisodes = 24;
  std::vector<EpisodeKey> keys;
  for (const AppendResult& r : Journalize(kEpisodes)) keys.push_back(r.key);
  vfs_->Inject(store::Fault::kDiskFull);
  worker_->Start();
  ExpectNoneHandedOverUntilTheDiskHasRoom(keys);
}

// Healing records "handled" itself; when that commit fails, the worker records it later.
TEST_F(WorkerFaultTest, StateChangeHealingCouldNotRecordIsRecordedWithoutARestart) {
  StartServing();
  const std::vector<EpisodeKey> keys = Queue(Journalize(1));
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_TRUE(rebound::testing::WaitFor([&] { return Handed().size() == 2; }, kDeadline));

  vfs_->Inject(store::Fault::kDiskFull);
  EXPECT_FALSE(journal_->SetState(keys[0], EpisodeState::kHandled).ok());
  EXPECT_EQ(journal_->failed_states(), 1u);
  // Nothing else happens: the worker notices on its own, once its next wait ends.
  vfs_->Inject(store::Fault::kNone);
  ASSERT_TRUE(rebound::testing::WaitFor(
      [&] { return journal_->Get(keys[0])->state == EpisodeState::kHandled; }, kDeadline));
  EXPECT_EQ(journal_->failed_states(), 0u);
  EXPECT_EQ(Handed().at("fp-0"), 1);
}

TEST_F(WorkerFaultTest, RetriesEndWhenTheQueueIsClosed) {
  Journalize(3);
  vfs_->Inject(store::Fault::kDiskFull);
  worker_->Start();
  ASSERT_TRUE(rebound::testing::WaitFor([&] { return journal_->failed_states() == 3; }, kDeadline));
  queue_.Close();
  worker_->Join();  // returns although the disk is still full
  EXPECT_TRUE(Handed().empty());
  // They stay received in the journal, to be resumed at the next start.
  vfs_->Inject(store::Fault::kNone);
  common::Result<std::vector<Episode>> unfinished = journal_->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_EQ(unfinished->size(), 3u);
}

}  // namespace rebound::controller::intake::worker_faults_test
