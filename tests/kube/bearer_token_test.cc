#include "kube/bearer_token.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/process.h"

namespace rebound::kube {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(BearerTokenTest, FixedToken) {
  auto token = BearerToken::Fixed("abc");
  ASSERT_TRUE(token->Get().ok());
  EXPECT_EQ(*token->Get(), "abc");
  EXPECT_EQ(token->path(), "");
}

TEST(BearerTokenTest, FileIsReReadWhenItRotates) {
  TempDir dir;
  // The kubelet's layout: token -> ..data/token, and rotation swaps the ..data symlink.
  std::filesystem::create_directory(dir.File("v1"));
  std::filesystem::create_directory(dir.File("v2"));
  WriteFile(dir.File("v1/token"), "first\n");
  WriteFile(dir.File("v2/token"), "second-token\n");
  std::filesystem::create_directory_symlink("v1", dir.File("..data"));
  std::filesystem::create_symlink("..data/token", dir.File("token"));

  auto token = BearerToken::FromFile(dir.File("token"));
  ASSERT_TRUE(token->Get().ok());
  EXPECT_EQ(*token->Get(), "first");

  std::filesystem::create_directory_symlink("v2", dir.File("..data.tmp"));
  std::filesystem::rename(dir.File("..data.tmp"), dir.File("..data"));
  EXPECT_EQ(*token->Get(), "second-token");

  // Rewritten in place with the same length: the modification time (or inode) still differs.
  WriteFile(dir.File("v2/token"), "third-token!\n");
  std::filesystem::last_write_time(
      dir.File("v2/token"),
      std::filesystem::last_write_time(dir.File("v2/token")) + std::chrono::seconds(1));
  EXPECT_EQ(*token->Get(), "third-token!");
}

TEST(BearerTokenTest, MissingFileFailsNamingTheFile) {
  TempDir dir;
  auto token = BearerToken::FromFile(dir.File("absent"));
  common::Result<std::string> value = token->Get();
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), common::StatusCode::kNotFound);
  EXPECT_NE(value.status().message().find(dir.File("absent")), std::string::npos);
}

TEST(BearerTokenTest, EmptyFileIsAnError) {
  TempDir dir;
  WriteFile(dir.File("token"), "\n");
  EXPECT_EQ(BearerToken::FromFile(dir.File("token"))->Get().status().code(),
            common::StatusCode::kInvalidArgument);
}

TEST(BearerTokenTest, KeepsTheLastGoodTokenWhenTheFileDisappears) {
  TempDir dir;
  WriteFile(dir.File("token"), "good");
  auto token = BearerToken::FromFile(dir.File("token"));
  EXPECT_EQ(*token->Get(), "good");
  std::filesystem::remove(dir.File("token"));
  ASSERT_TRUE(token->Get().ok());
  EXPECT_EQ(*token->Get(), "good");
}

}  // namespace
}  // namespace rebound::kube
