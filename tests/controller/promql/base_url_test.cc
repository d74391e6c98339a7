#include "controller/promql/base_url.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace rebound::controller::promql {
namespace {

TEST(ParseBaseUrlTest, PlainUrl) {
  auto base = ParseBaseUrl("http://127.0.0.1:9090");
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->url, "http://127.0.0.1:9090");
  EXPECT_EQ(base->authorization, "");
}

TEST(ParseBaseUrlTest, PathPrefixKeptWithoutTrailingSlashes) {
  auto base = ParseBaseUrl("https://monitoring.example:443/prometheus//");
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->url, "https://monitoring.example:443/prometheus");
}

TEST(ParseBaseUrlTest, CredentialsMoveToAHeader) {
  auto base = ParseBaseUrl("https://rebound:p%40ss%3Aword@prom.example/prefix");
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->url, "https://prom.example/prefix");
  EXPECT_EQ(base->authorization, "Basic " + common::Base64Encode("rebound:p@ss:word"));
}

TEST(ParseBaseUrlTest, RejectsWhatCannotBeABase) {
  for (const char* url :
       {"", "127.0.0.1:9090", "ftp://host", "http://", "http:///path", "http://host/?x=1",
        "http://host#frag", "http://u:%zz@host", "http://u:%4@host", "http://user@:9090"}) {
    auto base = ParseBaseUrl(url);
    ASSERT_FALSE(base.ok()) << url;
    EXPECT_EQ(base.status().code(), common::StatusCode::kInvalidArgument) << url;
  }
}

}  // namespace
}  // namespace rebound::controller::promql
