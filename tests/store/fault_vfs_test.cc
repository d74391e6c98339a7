#include "store/fault_vfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite.h"
#include "tests/support/process.h"

namespace rebound::store {
namespace {

using ::testing::HasSubstr;

struct Case {
  Fault fault;
  const char* sqlite_message;  // what SQLite says about the failed call
};

class FaultVfsTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    auto vfs = FaultVfs::Register("fault-vfs-test");
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(*vfs);
    common::Status status =
        db_.Open(dir_.File("test.db"), OpenMode::kReadWriteCreate, "test", vfs_->name());
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(UseWal(db_).ok());
    ASSERT_TRUE(Exec(db_, "PRAGMA synchronous=FULL", "set synchronous").ok());
    ASSERT_TRUE(Exec(db_, "CREATE TABLE t (x INTEGER)", "create").ok());
  }

  int64_t Rows() {
    Statement count;
    EXPECT_TRUE(count.Prepare(db_, "SELECT count(*) FROM t").ok());
    Query query(db_, count, "count");
    common::Result<bool> row = query.Step();
    EXPECT_TRUE(row.ok() && *row) << row.status().ToString();
    return row.ok() && *row ? query.ColumnInt(0) : -1;
  }

  rebound::testing::TempDir dir_;
  std::unique_ptr<FaultVfs> vfs_;  // outlives the connection
  Database db_;
};

TEST_P(FaultVfsTest, InjectedFaultFailsTheCommitAndHealingRestoresWrites) {
  ASSERT_TRUE(Exec(db_, "INSERT INTO t VALUES (1)", "insert").ok());
  EXPECT_EQ(vfs_->failures(), 0);

  vfs_->Inject(GetParam().fault);
  common::Status failed =
      InTransaction(db_, "insert", [&] { return Exec(db_, "INSERT INTO t VALUES (2)", "insert"); });
  EXPECT_EQ(failed.code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("test: commit to insert: "));
  EXPECT_THAT(failed.message(), HasSubstr(GetParam().sqlite_message));
  EXPECT_GT(vfs_->failures(), 0);
  EXPECT_FALSE(db_.InTransaction());
  EXPECT_EQ(Rows(), 1);  // reads still work, and see nothing of the failed transaction

  // The same connection writes again once the fault is gone.
  vfs_->Inject(Fault::kNone);
  const int64_t failures = vfs_->failures();
  ASSERT_TRUE(Exec(db_, "INSERT INTO t VALUES (3)", "insert").ok());
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(vfs_->failures(), failures);

  // What was committed is on disk, as another connection on the default VFS sees it.
  Database other;
  ASSERT_TRUE(other.Open(dir_.File("test.db"), OpenMode::kReadOnly, "other").ok());
  Statement sum;
  ASSERT_TRUE(sum.Prepare(other, "SELECT sum(x) FROM t").ok());
  Query query(other, sum, "sum");
  ASSERT_TRUE(query.Step().ok());
  EXPECT_EQ(query.ColumnInt(0), 4);
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultVfsTest,
                         ::testing::Values(Case{Fault::kWriteError, "disk I/O error"},
                                           Case{Fault::kDiskFull, "database or disk is full"},
                                           Case{Fault::kSyncError, "disk I/O error"}),
                         [](const auto& info) { return std::string(FaultName(info.param.fault)); });

TEST(FaultVfsRegisterTest, NamesAreUnique) {
  auto first = FaultVfs::Register("fault-vfs-unique");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = FaultVfs::Register("fault-vfs-unique");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), common::StatusCode::kAlreadyExists);
  first->reset();  // unregisters: the name is free again
  EXPECT_TRUE(FaultVfs::Register("fault-vfs-unique").ok());
}

TEST(FaultVfsRegisterTest, OpeningWithAnUnknownVfsIsUnavailable) {
  rebound::testing::TempDir dir;
  Database db;
  common::Status status =
      db.Open(dir.File("test.db"), OpenMode::kReadWriteCreate, "test", "no-such-vfs");
  EXPECT_EQ(status.code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("no such vfs"));
}

TEST(FaultNameTest, NamesEveryFault) {
  EXPECT_EQ(FaultName(Fault::kNone), "none");
  EXPECT_EQ(FaultName(Fault::kWriteError), "write_error");
  EXPECT_EQ(FaultName(Fault::kDiskFull), "disk_full");
  EXPECT_EQ(FaultName(Fault::kSyncError), "sync_error");
}

}  // namespace
}  // namespace rebound::store
