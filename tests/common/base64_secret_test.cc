#include <cstdlib>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/secret.h"
#include "tests/support/process.h"

namespace rebound::common {
namespace {

TEST(Base64Test, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
    data += static_cast<char>(i * 37);
  }
  EXPECT_EQ(Base64Encode("am:secret"), "YW06c2VjcmV0");
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_FALSE(Base64Decode("ab!d").ok());
  EXPECT_FALSE(Base64Decode("a=bc").ok());
  EXPECT_FALSE(Base64Decode("ab==cdef").ok());
}

TEST(SecretTest, ReadsFileWithoutTrailingNewline) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "s3cret\n");
  auto value = ReadSecretFile(dir.File("token"));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "s3cret");
}

TEST(SecretTest, ErrorsNameTheSourceNotTheValue) {
  testing::TempDir dir;
  auto missing = ReadSecretFile(dir.File("nope"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("nope")), std::string::npos);
  testing::WriteFile(dir.File("empty"), "\n");
  EXPECT_EQ(ReadSecretFile(dir.File("empty")).status().code(), StatusCode::kInvalidArgument);
  auto folder = ReadSecretFile(dir.path());
  EXPECT_EQ(folder.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(folder.status().message(),
            "cannot read secret file " + dir.path() + ": it is a directory");
  unsetenv("REBOUND_TEST_SECRET");
  EXPECT_EQ(ReadSecretEnv("REBOUND_TEST_SECRET").status().code(), StatusCode::kNotFound);
  setenv("REBOUND_TEST_SECRET", "v", 1);
  EXPECT_EQ(*ReadSecretEnv("REBOUND_TEST_SECRET"), "v");
}

TEST(SecretTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("token", "token"));
  EXPECT_FALSE(ConstantTimeEquals("token", "tokem"));
  EXPECT_FALSE(ConstantTimeEquals("token", "token2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace rebound::common
