#include "store/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "store/sqlite.h"
#include "tests/support/process.h"

namespace rebound::store {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kWidgetMigrations[] = {
    "CREATE TABLE widgets (name TEXT PRIMARY KEY)",
    "ALTER TABLE widgets ADD COLUMN size INTEGER NOT NULL DEFAULT 0",
};
constexpr Schema kWidgets{.owner = "widgets", .migrations = kWidgetMigrations};
constexpr std::string_view kGadgetMigrations[] = {"CREATE TABLE gadgets (id INTEGER)"};

class SchemaTest : public ::testing::Test {
 protected:
  SchemaTest() {
    Status status = db_.Open(dir_.File("test.db"), OpenMode::kReadWriteCreate, "test");
    EXPECT_TRUE(status.ok()) << status.ToString();
  }

  // The integer `sql` selects, or -1 (and a test failure) when it fails or returns no row.
  int64_t Int(const std::string& sql) {
    Statement stmt;
    Status prepared = stmt.Prepare(db_, sql);
    EXPECT_TRUE(prepared.ok()) << prepared.ToString();
    if (!prepared.ok()) return -1;
    Query query(db_, stmt, sql);
    common::Result<bool> row = query.Step();
    EXPECT_TRUE(row.ok() && *row) << sql << ": " << row.status().ToString();
    return row.ok() && *row ? query.ColumnInt(0) : -1;
  }
  int64_t OwnerVersion(const std::string& owner) {
    return Int("SELECT coalesce((SELECT version FROM schema_versions WHERE owner = '" + owner +
               "'), 0)");
  }
  void MustExec(const std::string& sql) {
    Status status = Exec(db_, sql, "test setup");
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  using Status = common::Status;
  rebound::testing::TempDir dir_;
  Database db_;
};

TEST_F(SchemaTest, NewFileGetsFormat4AndTheOwnersLatestVersion) {
  ASSERT_TRUE(Migrate(db_, kWidgets).ok());
  EXPECT_EQ(Int("PRAGMA user_version"), 4);
  EXPECT_EQ(OwnerVersion("widgets"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM schema_versions"), 1);  // no legacy row
  MustExec("INSERT INTO widgets (name, size) VALUES ('a', 3)");
  // Migrating again changes nothing.
  ASSERT_TRUE(Migrate(db_, kWidgets).ok());
  EXPECT_EQ(Int("SELECT size FROM widgets"), 3);
}

TEST_F(SchemaTest, AppliesOnlyTheMissingMigrations) {
  constexpr Schema kFirstOnly{.owner = "widgets", .migrations = std::span(kWidgetMigrations, 1)};
  ASSERT_TRUE(Migrate(db_, kFirstOnly).ok());
  MustExec("INSERT INTO widgets (name) VALUES ('a')");
  EXPECT_EQ(OwnerVersion("widgets"), 1);
  ASSERT_TRUE(Migrate(db_, kWidgets).ok());
  EXPECT_EQ(OwnerVersion("widgets"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM widgets WHERE size = 0"), 1);
}

TEST_F(SchemaTest, OwnersKeepSeparateVersions) {
  constexpr Schema kGadgets{.owner = "gadgets", .migrations = kGadgetMigrations};
  ASSERT_TRUE(Migrate(db_, kGadgets).ok());
  ASSERT_TRUE(Migrate(db_, kWidgets).ok());
  EXPECT_EQ(OwnerVersion("gadgets"), 1);
  EXPECT_EQ(OwnerVersion("widgets"), 2);
}

TEST_F(SchemaTest, LegacyFileIsConvertedAndEachOwnerStartsFromItsLegacyVersion) {
  // A file of format 2: tables created in one sequence, widgets at 1 and gadgets at 3 (not yet).
  MustExec(
      "CREATE TABLE widgets (name TEXT PRIMARY KEY); INSERT INTO widgets VALUES ('kept');"
      "PRAGMA user_version = 2");
  constexpr Schema kLegacyWidgets{
      .owner = "widgets", .migrations = kWidgetMigrations, .legacy_version = 1};
  constexpr Schema kLegacyGadgets{
      .owner = "gadgets", .migrations = kGadgetMigrations, .legacy_version = 3};

  ASSERT_TRUE(Migrate(db_, kLegacyGadgets).ok());
  EXPECT_EQ(Int("PRAGMA user_version"), 4);
  EXPECT_EQ(OwnerVersion("legacy_user_version"), 2);
  EXPECT_EQ(OwnerVersion("gadgets"), 1);
  EXPECT_EQ(Int("SELECT count(*) FROM gadgets"), 0);

  // widgets' migration 1 ran before the conversion: only migration 2 is applied.
  Status status = Migrate(db_, kLegacyWidgets);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(OwnerVersion("widgets"), 2);
  EXPECT_EQ(Int("SELECT count(*) FROM widgets WHERE name = 'kept' AND size = 0"), 1);
}

TEST_F(SchemaTest, RefusesANewerFormat) {
  MustExec("PRAGMA user_version = 5");
  Status status = Migrate(db_, kWidgets);
  EXPECT_EQ(status.code(), common::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("format version 5 is newer than this build supports"));
  EXPECT_FALSE(db_.InTransaction());
}

TEST_F(SchemaTest, RefusesAnOwnerVersionNewerThanItsMigrations) {
  ASSERT_TRUE(Migrate(db_, kWidgets).ok());
  MustExec("UPDATE schema_versions SET version = 7 WHERE owner = 'widgets'");
  Status status = Migrate(db_, kWidgets);
  EXPECT_EQ(status.code(), common::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("widgets is version 7, newer than this build"));
}

TEST_F(SchemaTest, AFailedMigrationLeavesNothingBehind) {
  constexpr std::string_view kBroken[] = {
      "CREATE TABLE widgets (name TEXT PRIMARY KEY)",
      "ALTER TABLE no_such_table ADD COLUMN size INTEGER",
  };
  Status status = Migrate(db_, Schema{.owner = "widgets", .migrations = kBroken});
  EXPECT_EQ(status.code(), common::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("test: migrate widgets to version 2"));
  EXPECT_THAT(status.message(), HasSubstr("no_such_table"));
  // Not even the conversion of the file survived the rollback.
  EXPECT_EQ(Int("PRAGMA user_version"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM sqlite_master"), 0);
}

}  // namespace
}  // namespace rebound::store
