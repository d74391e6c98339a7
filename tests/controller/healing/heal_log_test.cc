#include "controller/healing/heal_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::healing {
namespace {

using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class HealLogTest : public ::testing::Test {
 protected:
  HealLogTest() {
    intake::Journal::Options options;
    options.state_dir = dir_.path();
    auto journal = intake::Journal::Open(options, clock_);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    if (journal.ok()) journal_ = std::move(*journal);
    Reopen();
  }

  void Reopen() {
    log_.reset();
    auto log = HealLog::Open(dir_.path());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
  }

  // Appends a record of `playbook` at `minutes_in` after the clock's start; its message names
  // it in the assertions.
  HealRecord Append(const std::string& message, int minutes_in,
                    const std::string& playbook = "crashloop") {
    HealRecord r;
    r.at = clock_.Now() + minutes(minutes_in);
    r.playbook = playbook;
    r.message = message;
    auto appended = log_->Append(r);
    EXPECT_TRUE(appended.ok()) << appended.status().ToString();
    return appended.ok() ? *appended : r;
  }

  static std::vector<std::string> Messages(const common::Result<std::vector<HealRecord>>& records) {
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    std::vector<std::string> out;
    if (records.ok()) {
      for (const HealRecord& r : *records) out.push_back(r.message);
    }
    return out;
  }

  std::chrono::system_clock::time_point At(int minutes_in) const {
    return clock_.Now() + minutes(minutes_in);
  }

  rebound::testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<intake::Journal> journal_;
  std::unique_ptr<HealLog> log_;
};

TEST_F(HealLogTest, AppendAssignsIncreasingIdsAndKeepsEveryField) {
  HealRecord r;
  r.at = clock_.Now() + std::chrono::milliseconds(1234);
  r.episode.fingerprint = "f1";
  r.episode.starts_at = "2026-01-01T00:00:00Z";
  r.alertname = "KubePodCrashLooping";
  r.playbook = "crashloop";
  r.target = "Deployment shop/web";
  r.step = 1;
  r.action = "rollback";
  r.kind = HealRecord::Kind::kVerify;
  r.result = "failed";
  r.reason = "not_ready";
  r.message = "Deployment shop/web not ready: 1 of 3 replicas ready";
  r.duration = std::chrono::milliseconds(60000);

  auto first = log_->Append(r);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = log_->Append(r);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(first->id, 0);
  EXPECT_GT(second->id, first->id);
  EXPECT_EQ(first->message, r.message);

  auto read = log_->Since(r.at);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  const HealRecord& got = read->front();
  EXPECT_EQ(got.id, first->id);
  EXPECT_EQ(got.at, r.at);
  EXPECT_EQ(got.episode, r.episode);
  EXPECT_EQ(got.alertname, r.alertname);
  EXPECT_EQ(got.playbook, r.playbook);
  EXPECT_EQ(got.target, r.target);
  EXPECT_EQ(got.step, 1);
  EXPECT_EQ(got.action, "rollback");
  EXPECT_EQ(got.kind, HealRecord::Kind::kVerify);
  EXPECT_EQ(got.result, "failed");
  EXPECT_EQ(got.reason, "not_ready");
  EXPECT_EQ(got.message, r.message);
  EXPECT_EQ(got.duration, r.duration);
}

TEST_F(HealLogTest, EveryKindRoundTrips) {
  using Kind = HealRecord::Kind;
  for (Kind kind :
       {Kind::kDecision, Kind::kAction, Kind::kVerify, Kind::kOutcome, Kind::kEscalation}) {
    HealRecord r;
    r.kind = kind;
    r.message = std::string(HealRecordKindName(kind));
    ASSERT_TRUE(log_->Append(r).ok());
  }
  auto read = log_->Since(std::chrono::system_clock::time_point());
  ASSERT_TRUE(read.ok());
  std::vector<std::string> kinds;
  for (const HealRecord& r : *read) {
    EXPECT_EQ(HealRecordKindName(r.kind), r.message);
    kinds.push_back(r.message);
  }
  EXPECT_THAT(kinds, ElementsAre("decision", "action", "verify", "outcome", "escalation"));
}

TEST_F(HealLogTest, RecentIsNewestFirstWithALimit) {
  Append("second", 2);
  Append("first", 1);
  Append("third", 3);
  Append("third too", 3);  // same instant: the later append is newer

  EXPECT_THAT(Messages(log_->Recent(10, "")), ElementsAre("third too", "third", "second", "first"));
  EXPECT_THAT(Messages(log_->Recent(2, "")), ElementsAre("third too", "third"));
  EXPECT_THAT(Messages(log_->Recent(0, "")), ElementsAre());
}

TEST_F(HealLogTest, RecentFiltersByPlaybook) {
  Append("crash 1", 1, "crashloop");
  Append("memory 1", 2, "memory");
  Append("crash 2", 3, "crashloop");
  Append("memory 2", 4, "memory");

  EXPECT_THAT(Messages(log_->Recent(10, "crashloop")), ElementsAre("crash 2", "crash 1"));
  EXPECT_THAT(Messages(log_->Recent(1, "memory")), ElementsAre("memory 2"));
  EXPECT_THAT(Messages(log_->Recent(10, "unknown")), ElementsAre());
}

TEST_F(HealLogTest, RecentPagesFollowEachOtherWithinTheByteBudget) {
  // Five records in the same millisecond and two later: ties are broken by id across pages.
  for (int i = 0; i < 5; ++i) Append("m" + std::to_string(i), 1);
  Append("m5", 2, "other");
  Append("m6", 3);
  std::vector<std::string> paged;
  const HealRecord* after = nullptr;
  std::vector<HealRecord> page;
  for (int pages = 0; pages < 10; ++pages) {
    auto next = log_->RecentPage(2, "", after, SIZE_MAX);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    if (next->empty()) break;
    EXPECT_LE(next->size(), 2u);
    page = std::move(*next);
    for (const HealRecord& r : page) paged.push_back(r.message);
    after = &page.back();
  }
  EXPECT_THAT(paged, ElementsAre("m6", "m5", "m4", "m3", "m2", "m1", "m0"));
  EXPECT_EQ(paged, Messages(log_->Recent(100, "")));
  // A byte budget smaller than one record still returns one; a playbook filter applies too.
  EXPECT_THAT(Messages(log_->RecentPage(100, "crashloop", nullptr, 1)), ElementsAre("m6"));
}

TEST_F(HealLogTest, AppendAllRecordsEveryRecordInOrder) {
  std::vector<HealRecord> records(3);
  for (int i = 0; i < 3; ++i) {
    records[i].at = At(i);
    records[i].message = "batch" + std::to_string(i);
  }
  ASSERT_TRUE(log_->AppendAll(records).ok());
  EXPECT_THAT(Messages(log_->Recent(10, "")), ElementsAre("batch2", "batch1", "batch0"));
  EXPECT_TRUE(log_->AppendAll({}).ok());
}

TEST_F(HealLogTest, SinceIsOldestFirstFromTheGivenInstant) {
  Append("third", 3);
  Append("first", 1);
  Append("second", 2);

  EXPECT_THAT(Messages(log_->Since(At(2))), ElementsAre("second", "third"));
  EXPECT_THAT(Messages(log_->Since(At(0))), ElementsAre("first", "second", "third"));
  EXPECT_THAT(Messages(log_->Since(At(4))), ElementsAre());
}

TEST_F(HealLogTest, DeleteBeforeDeletesOnlyOlderRecords) {
  Append("first", 1);
  Append("second", 2);
  Append("third", 3);

  auto deleted = log_->DeleteBefore(At(2));
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  EXPECT_THAT(Messages(log_->Since(At(0))), ElementsAre("second", "third"));

  deleted = log_->DeleteBefore(At(2));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 0u);
}

TEST_F(HealLogTest, RecordsSurviveReopening) {
  HealRecord kept = Append("kept", 1);
  Reopen();
  auto read = log_->Recent(10, "");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().id, kept.id);
  EXPECT_EQ(read->front().message, "kept");

  // Ids keep increasing across connections.
  EXPECT_GT(Append("after", 2).id, kept.id);
}

TEST(HealLogOpenTest, FailsCleanlyWithoutAJournalDatabase) {
  rebound::testing::TempDir dir;
  auto log = HealLog::Open(dir.path());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(log.status().message(), HasSubstr("journal.db"));
  // The journal creates the file: the heal log must not create an empty database.
  EXPECT_FALSE(std::filesystem::exists(dir.File("journal.db")));

  auto missing_dir = HealLog::Open(dir.File("no/such/dir"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), common::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace rebound::controller::healing
