#include "common/http_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace rebound::common {
namespace {

HttpRequest WithAuthorization(const std::string& value) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/api/v1/status";
  if (!value.empty()) request.headers.emplace_back("authorization", value);
  return request;
}

TEST(HttpAuthTest, BearerTokenMatchesExactlyWithAnyCaseOfTheScheme) {
  HttpCredentials token = HttpCredentials::Bearer("s3cret");
  EXPECT_TRUE(CarriesCredentials(WithAuthorization("Bearer s3cret"), token));
  EXPECT_TRUE(CarriesCredentials(WithAuthorization("bearer s3cret"), token));
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Bearer s3cre"), token));
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Bearer s3cretx"), token));
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Basic czNjcmV0"), token));
  EXPECT_FALSE(CarriesCredentials(WithAuthorization(""), token));
}

TEST(HttpAuthTest, BasicAuthNeedsUserAndPassword) {
  HttpCredentials basic = HttpCredentials::Basic("am", "pw");
  EXPECT_TRUE(CarriesCredentials(WithAuthorization("Basic YW06cHc="), basic));   // am:pw
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Basic YW06cHg="), basic));  // am:px
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Basic YW0="), basic));      // no colon
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Basic !!!"), basic));
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Bearer pw"), basic));
}

TEST(HttpAuthTest, EmptyCredentialsMatchNothing) {
  EXPECT_FALSE(CarriesCredentials(WithAuthorization("Bearer "), HttpCredentials{}));
}

TEST(HttpAuthTest, CheckLetsEverythingThroughUntilCredentialsAreSet) {
  CredentialCheck check;
  EXPECT_TRUE(check.Allows(WithAuthorization("")));
  check.Set({{}, {}});  // only empty credentials: still open
  EXPECT_TRUE(check.Allows(WithAuthorization("")));

  check.Set({HttpCredentials::Bearer("a"), HttpCredentials::Bearer("b")});
  EXPECT_TRUE(check.Allows(WithAuthorization("Bearer a")));
  EXPECT_TRUE(check.Allows(WithAuthorization("Bearer b")));
  std::optional<HttpResponse> refused = check.Check(WithAuthorization("Bearer c"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  ASSERT_EQ(refused->headers.size(), 1u);
  EXPECT_EQ(refused->headers[0].first, "WWW-Authenticate");
  EXPECT_FALSE(check.Check(WithAuthorization("Bearer a")).has_value());

  check.Set({});
  EXPECT_TRUE(check.Allows(WithAuthorization("")));
}

}  // namespace
}  // namespace rebound::common
