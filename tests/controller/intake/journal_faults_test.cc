// The journal when its storage fails: a write, a sync or the disk (store::FaultVfs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "controller/intake/journal.h"
#include "store/fault_vfs.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::intake::journal_faults_test {

using ::testing::HasSubstr;

Alert Notified(const std::string& fingerprint, AlertStatus status) {
  Alert alert;
  alert.status = status;
  alert.fingerprint = fingerprint;
  alert.labels = {{"alertname", "DiskFull"}};
  alert.starts_at = common::Timestamp{1767225600, 0};
  if (status == AlertStatus::kResolved) alert.ends_at = common::Timestamp{1767225900, 0};
  return alert;
}

EpisodeKey Key(const std::string& fingerprint) {
  return EpisodeKey{fingerprint, common::FormatRfc3339(common::Timestamp{1767225600, 0})};
}

class JournalFaultTest : public ::testing::TestWithParam<store::Fault> {
 protected:
  void SetUp() override {
    auto vfs = store::FaultVfs::Register("journal-fault-test");
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(*vfs);
    journal_ = Open(vfs_->name());
    ASSERT_NE(journal_, nullptr);
    // A committed episode the failed transactions must leave as it is.
    ASSERT_EQ(Outcomes({Notified("a", AlertStatus::kFiring)}), "new");
  }

  // Null (and a test failure) when Open fails.
  std::unique_ptr<Journal> Open(const std::string& vfs) {
    Journal::Options options;
    options.state_dir = dir_.path();
    options.vfs = vfs;
    options.observe_commit = [this](std::chrono::nanoseconds) { ++commits_; };
    auto journal = Journal::Open(options, clock_);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(*journal) : nullptr;
  }

  // The outcomes' names, space-separated, or the error.
  std::string Outcomes(const std::vector<Alert>& alerts) {
    auto results = journal_->Append(alerts, "team-storage", "http://alertmanager:9093");
    if (!results.ok()) return results.status().ToString();
    std::string out;
    for (const AppendResult& r : *results) {
      out += (out.empty() ? "" : " ") + std::string(IntakeOutcomeName(r.outcome));
    }
    return out;
  }

  // "fingerprint status state" of every episode, newest first.
  std::vector<std::string> Rows(Journal& journal) {
    auto all = journal.List(std::nullopt, 100);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::vector<std::string> out;
    if (!all.ok()) return out;
    for (const Episode& e : *all) {
      out.push_back(e.key.fingerprint + " " + std::string(AlertStatusName(e.status)) + " " +
                    std::string(EpisodeStateName(e.state)));
    }
    return out;
  }

  rebound::testing::TempDir dir_;
  rebound::testing::FakeClock clock_;
  std::atomic<int> commits_ = 0;
  std::unique_ptr<store::FaultVfs> vfs_;  // outlives the journal's connections
  std::unique_ptr<Journal> journal_;
};

TEST_P(JournalFaultTest, FailedCommitIsUnavailableAndRecordsNothing) {
  const int commits = commits_;
  vfs_->Inject(GetParam());
  const std::vector<Alert> batch = {Notified("b", AlertStatus::kFiring),
                                    Notified("a", AlertStatus::kResolved)};
  auto failed = journal_->Append(batch, "team-storage", "http://alertmanager:9093");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("journal: commit: "));
  EXPECT_THAT(failed.status().message(), HasSubstr("rolled back, nothing recorded"));
  EXPECT_GT(vfs_->failures(), 0);
  EXPECT_EQ(commits_, commits);  // a failed commit is not observed as one

  common::Status set_state = journal_->SetState(Key("a"), EpisodeState::kPending);
  EXPECT_EQ(set_state.code(), common::StatusCode::kUnavailable) << set_state.ToString();

  // Reads see the episode as it was committed, and nothing of the failed transactions.
  EXPECT_EQ(journal_->Get(Key("b")).status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(Rows(*journal_), std::vector<std::string>{"a firing received"});
  // A repeat of the failed batch is not answered from what was committed: it fails too.
  EXPECT_THAT(Outcomes(batch), HasSubstr("Unavailable"));
}

TEST_P(JournalFaultTest, WritesResumeWithoutReopeningOnceTheFaultClears) {
  vfs_->Inject(GetParam());
  const std::vector<Alert> batch = {Notified("b", AlertStatus::kFiring),
                                    Notified("a", AlertStatus::kResolved)};
  ASSERT_THAT(Outcomes(batch), HasSubstr("Unavailable"));

  vfs_->Inject(store::Fault::kNone);
  // Alertmanager's retry of the refused notification: new, not a duplicate of what failed.
  EXPECT_EQ(Outcomes(batch), "new resolved");
  EXPECT_EQ(Outcomes(batch), "duplicate duplicate");
  EXPECT_TRUE(journal_->SetState(Key("b"), EpisodeState::kPending).ok());
  EXPECT_EQ(Rows(*journal_), (std::vector<std::string>{"b firing pending", "a resolved closed"}));

  // Each episode is on disk exactly once.
  journal_.reset();
  std::unique_ptr<Journal> reopened = Open("");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Rows(*reopened), (std::vector<std::string>{"b firing pending", "a resolved closed"}));
}

TEST_P(JournalFaultTest, FailedStateChangeIsOwedUntilRetriedAfterTheFaultClears) {
  vfs_->Inject(GetParam());
  EXPECT_FALSE(journal_->SetState(Key("a"), EpisodeState::kPending).ok());
  EXPECT_FALSE(journal_->SetState(Key("a"), EpisodeState::kHandled).ok());
  EXPECT_EQ(journal_->failed_states(), 1u);  // the latest change of the episode
  common::Result<size_t> still = journal_->RetryFailedStates();
  EXPECT_FALSE(still.ok());
  EXPECT_EQ(journal_->failed_states(), 1u);

  vfs_->Inject(store::Fault::kNone);
  common::Result<size_t> left = journal_->RetryFailedStates();
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(*left, 0u);
  EXPECT_EQ(journal_->failed_states(), 0u);
  EXPECT_EQ(Rows(*journal_), std::vector<std::string>{"a firing handled"});
}

TEST_P(JournalFaultTest, LaterStateChangeSupersedesAnOwedOne) {
  vfs_->Inject(GetParam());
  EXPECT_FALSE(journal_->SetState(Key("a"), EpisodeState::kHandled).ok());
  vfs_->Inject(store::Fault::kNone);
  ASSERT_TRUE(journal_->SetState(Key("a"), EpisodeState::kPending).ok());
  EXPECT_EQ(journal_->failed_states(), 0u);
  common::Result<size_t> left = journal_->RetryFailedStates();
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(Rows(*journal_), std::vector<std::string>{"a firing pending"});
}

INSTANTIATE_TEST_SUITE_P(Faults, JournalFaultTest,
                         ::testing::Values(store::Fault::kWriteError, store::Fault::kDiskFull,
                                           store::Fault::kSyncError),
                         [](const auto& info) {
                           return std::string(store::FaultName(info.param));
                         });

}  // namespace rebound::controller::intake::journal_faults_test
