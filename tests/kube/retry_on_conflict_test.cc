#include "kube/retry_on_conflict.h"

#include <gtest/gtest.h>

namespace rebound::kube {
namespace {

common::Status Conflict() { return common::Status(common::StatusCode::kConflict, "modified"); }

TEST(RetryOnConflictTest, RetriesUntilSuccess) {
  int calls = 0;
  common::Status s =
      RetryOnConflict(5, [&] { return ++calls < 3 ? Conflict() : common::Status::Ok(); });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
}

TEST(RetryOnConflictTest, BoundedAttemptsReturnTheLastConflict) {
  int calls = 0;
  common::Status s = RetryOnConflict(4, [&] {
    ++calls;
    return Conflict();
  });
  EXPECT_EQ(s.code(), common::StatusCode::kConflict);
  EXPECT_EQ(calls, 4);
}

TEST(RetryOnConflictTest, OtherErrorsStopAtOnce) {
  int calls = 0;
  common::Result<int> r = RetryOnConflict(4, [&]() -> common::Result<int> {
    ++calls;
    return common::NotFound("gone");
  });
  EXPECT_EQ(r.status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
}

TEST(RetryOnConflictTest, WorksWithResults) {
  int calls = 0;
  common::Result<int> r = RetryOnConflict(3, [&]() -> common::Result<int> {
    if (++calls == 1) return Conflict();
    return 42;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

}  // namespace
}  // namespace rebound::kube
