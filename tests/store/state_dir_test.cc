#include "store/state_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/support/process.h"

namespace rebound::store {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2026-01-01T00:00:00Z
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));

TEST(StateDirLockTest, CreatesTheDirectoryAndNamesItsHolderInTheLockFile) {
  rebound::testing::TempDir dir;
  const std::string state = dir.File("a/state");
  auto lock = StateDirLock::Acquire(state, kNow);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ((*lock)->path(), state + "/lock");
  EXPECT_THAT(rebound::testing::ReadFile(state + "/lock"),
              StartsWith("rebound pid " + std::to_string(::getpid()) + " on host "));
  EXPECT_THAT(rebound::testing::ReadFile(state + "/lock"),
              HasSubstr(" since 2026-01-01T00:00:00Z\n"));
}

// flock(2) locks belong to an open file, so a second Acquire in this process competes like a
// second process would.
TEST(StateDirLockTest, SecondHolderIsRefusedWithTheFirstOnesDetailsUntilItIsReleased) {
  rebound::testing::TempDir dir;
  auto first = StateDirLock::Acquire(dir.path(), kNow);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = StateDirLock::Acquire(dir.path(), kNow + std::chrono::minutes(1));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              StartsWith("state_dir " + dir.path() + " is in use by rebound pid " +
                         std::to_string(::getpid()) + " on host "));
  EXPECT_THAT(second.status().message(), HasSubstr("since 2026-01-01T00:00:00Z"));
  // The refused attempt left the holder's description as it was.
  EXPECT_THAT(rebound::testing::ReadFile(dir.File("lock")), HasSubstr("2026-01-01T00:00:00Z"));

  first->reset();
  auto third = StateDirLock::Acquire(dir.path(), kNow + std::chrono::minutes(2));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_THAT(rebound::testing::ReadFile(dir.File("lock")), HasSubstr("2026-01-01T00:02:00Z"));
}

TEST(StateDirLockTest, AStateDirThatIsAFileIsAClearError) {
  rebound::testing::TempDir dir;
  rebound::testing::WriteFile(dir.File("state"), "not a directory");
  auto lock = StateDirLock::Acquire(dir.File("state"), kNow);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(lock.status().message(), HasSubstr("exists but is not a directory"));
}

}  // namespace
}  // namespace rebound::store
