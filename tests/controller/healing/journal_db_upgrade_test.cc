// journal.db as the build before per-owner schema versions left it (format 3: one version for
// every table): each owner opens it, in any order, and keeps its rows (store/schema.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controller/anomaly/scorer_store.h"
#include "controller/healing/heal_log.h"
#include "controller/intake/journal.h"
#include "store/sqlite.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::journal_db_upgrade_test {

// `sqlite3 journal.db .dump` of a file written by that build (Journal, HealLog and ScorerStore
// each appended a little), then its user_version and journal mode.
const std::string kVersion3Dump =
    std::string(REBOUND_SOURCE_DIR) + "/tests/controller/testdata/journal-v3.sql";

class JournalDbUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Sql(rebound::testing::ReadFile(kVersion3Dump)), ""); }

  // Runs `sql` on the file through a connection of the test's own; "" or the error.
  std::string Sql(const std::string& sql) {
    store::Database db;
    common::Status status =
        db.Open(dir_.File("journal.db"), store::OpenMode::kReadWriteCreate, "test");
    if (status.ok()) status = store::Exec(db, sql, "test");
    return status.message();
  }
  // The integer `sql` selects, or -1.
  int64_t Int(const std::string& sql) {
    store::Database db;
    store::Statement stmt;
    if (!db.Open(dir_.File("journal.db"), store::OpenMode::kReadWrite, "test").ok() ||
        !stmt.Prepare(db, sql).ok()) {
      return -1;
    }
    store::Query query(db, stmt, sql);
    common::Result<bool> row = query.Step();
    return row.ok() && *row ? query.ColumnInt(0) : -1;
  }

  std::unique_ptr<intake::Journal> OpenJournal() {
    intake::Journal::Options options;
    options.state_dir = dir_.path();
    auto journal = intake::Journal::Open(options, clock_);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(*journal) : nullptr;
  }
  std::unique_ptr<healing::HealLog> OpenHealLog() {
    auto log = healing::HealLog::Open(dir_.path());
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<anomaly::ScorerStore> OpenScorerStore() {
    auto store = anomaly::ScorerStore::Open(dir_.path());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // The rows the dump holds, read through each owner.
  void ExpectTheDumpsRows(intake::Journal& journal, healing::HealLog& log,
                          anomaly::ScorerStore& store) {
    auto episodes = journal.List(std::nullopt, 10);
    ASSERT_TRUE(episodes.ok()) << episodes.status().ToString();
    ASSERT_EQ(episodes->size(), 2u);
    auto firing = journal.Get({"f1", "2026-01-01T00:00:00.653Z"});
    ASSERT_TRUE(firing.ok()) << firing.status().ToString();
    EXPECT_EQ(intake::EpisodeStateName(firing->state), "pending");
    EXPECT_EQ(firing->playbook, "crashloop");
    EXPECT_EQ(firing->labels.at("pod"), "web-1");
    auto resolved = journal.Get({"f2", "2026-01-01T00:00:00.653Z"});
    ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
    EXPECT_EQ(intake::EpisodeStateName(resolved->state), "closed");
    EXPECT_EQ(resolved->ends_at, "2026-01-01T00:05:00Z");

    auto records = log.Recent(10, "");
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    ASSERT_EQ(records->size(), 1u);
    EXPECT_EQ(records->front().id, 1);
    EXPECT_EQ(records->front().message, "restarted Deployment shop/web");
    EXPECT_EQ(records->front().duration, std::chrono::milliseconds(1250));

    auto scorers = store.LoadAll();
    ASSERT_TRUE(scorers.ok()) << scorers.status().ToString();
    ASSERT_EQ(scorers->size(), 1u);
    EXPECT_EQ(scorers->front().key.workload, "web");
    EXPECT_EQ(scorers->front().state, std::string("\x01\x00\x02state", 8));
  }

  rebound::testing::TempDir dir_;
  rebound::testing::FakeClock clock_;
};

TEST_F(JournalDbUpgradeTest, EveryOwnerOpensAVersion3FileAndKeepsItsRows) {
  ASSERT_EQ(Int("PRAGMA user_version"), 3);
  auto journal = OpenJournal();
  auto log = OpenHealLog();
  auto store = OpenScorerStore();
  ASSERT_TRUE(journal && log && store);
  ExpectTheDumpsRows(*journal, *log, *store);

  EXPECT_EQ(Int("PRAGMA user_version"), 4);
  EXPECT_EQ(Int("SELECT version FROM schema_versions WHERE owner = 'legacy_user_version'"), 3);
  EXPECT_EQ(Int("SELECT count(*) FROM schema_versions WHERE version = 1 AND owner IN "
                "('episodes', 'anomaly_scorers')"),
            2);
  // The heal log's later migrations (its index by episode, the remediation a fold joined) ran
  // on the upgraded file.
  EXPECT_EQ(Int("SELECT version FROM schema_versions WHERE owner = 'heal_log'"), 3);

  // Every owner writes on, and ids carry on from the file's.
  healing::HealRecord record;
  record.message = "after the upgrade";
  auto appended = log->Append(record);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->id, 2);
  intake::Alert alert;
  alert.fingerprint = "f3";
  alert.starts_at = common::Timestamp{1767225700, 0};
  EXPECT_TRUE(journal->Append({alert}, "r", "u").ok());
  EXPECT_TRUE(store->Delete({{"latency", "shop", "web"}}).ok());
}

TEST_F(JournalDbUpgradeTest, OwnersMayOpenInAnyOrderAndAgain) {
  auto store = OpenScorerStore();
  auto log = OpenHealLog();
  auto journal = OpenJournal();
  ASSERT_TRUE(journal && log && store);
  ExpectTheDumpsRows(*journal, *log, *store);
  store.reset();
  log.reset();
  journal.reset();

  journal = OpenJournal();
  log = OpenHealLog();
  store = OpenScorerStore();
  ASSERT_TRUE(journal && log && store);
  ExpectTheDumpsRows(*journal, *log, *store);
  EXPECT_EQ(Int("SELECT count(*) FROM schema_versions"), 4);
}

TEST_F(JournalDbUpgradeTest, AVersion2FileGetsTheScorerTableFromTheScorerStore) {
  // What a build before continuous anomaly scoring left behind.
  ASSERT_EQ(Sql("DROP TABLE anomaly_scorers; PRAGMA user_version = 2"), "");
  auto journal = OpenJournal();
  auto log = OpenHealLog();
  ASSERT_TRUE(journal && log);
  EXPECT_EQ(Int("SELECT count(*) FROM sqlite_master WHERE name = 'anomaly_scorers'"), 0);

  auto store = OpenScorerStore();
  ASSERT_NE(store, nullptr);
  auto scorers = store->LoadAll();
  ASSERT_TRUE(scorers.ok()) << scorers.status().ToString();
  EXPECT_TRUE(scorers->empty());
  EXPECT_EQ(Int("SELECT version FROM schema_versions WHERE owner = 'anomaly_scorers'"), 1);
  auto records = log->Recent(10, "");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 1u);
}

TEST_F(JournalDbUpgradeTest, AFileOfANewerFormatIsRefusedByEveryOwner) {
  ASSERT_EQ(Sql("PRAGMA user_version = 5"), "");
  intake::Journal::Options options;
  options.state_dir = dir_.path();
  auto journal = intake::Journal::Open(options, clock_);
  EXPECT_EQ(journal.status().code(), common::StatusCode::kInternal);
  EXPECT_EQ(healing::HealLog::Open(dir_.path()).status().code(), common::StatusCode::kInternal);
  EXPECT_EQ(anomaly::ScorerStore::Open(dir_.path()).status().code(), common::StatusCode::kInternal);
}

}  // namespace rebound::controller::journal_db_upgrade_test
