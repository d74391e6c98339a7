#include "kube/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rebound::kube {
namespace {

using common::StatusCode;

std::string StatusBody(int code, std::string reason, std::string message) {
  return nlohmann::json{
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}}
      .dump();
}

const ApiRequest kGetWeb = ApiRequest::For(Verb::kGet, kDeployments, "shop", "web");

TEST(ApiErrorTest, StatusBodiesMapToCodesAndKeepTheReason) {
  struct Case {
    int http;
    const char* reason;
    StatusCode code;
  };
  for (const Case& c : {Case{400, "BadRequest", StatusCode::kInvalidArgument},
                        Case{404, "NotFound", StatusCode::kNotFound},
                        Case{405, "MethodNotAllowed", StatusCode::kInvalidArgument},
                        Case{409, "Conflict", StatusCode::kConflict},
                        Case{409, "AlreadyExists", StatusCode::kAlreadyExists},
                        Case{410, "Expired", StatusCode::kFailedPrecondition},
                        Case{415, "UnsupportedMediaType", StatusCode::kInvalidArgument},
                        Case{422, "Invalid", StatusCode::kInvalidArgument},
                        Case{429, "TooManyRequests", StatusCode::kResourceExhausted},
                        Case{500, "InternalError", StatusCode::kUnavailable},
                        Case{502, "", StatusCode::kUnavailable},
                        Case{503, "ServiceUnavailable", StatusCode::kUnavailable},
                        Case{504, "Timeout", StatusCode::kDeadlineExceeded},
                        Case{302, "", StatusCode::kInternal}}) {
    common::Status s =
        ErrorFromResponse(kGetWeb, c.http, StatusBody(c.http, c.reason, "the message"));
    EXPECT_EQ(s.code(), c.code) << c.http << " " << s.ToString();
    EXPECT_NE(s.message().find("the message"), std::string::npos) << s.message();
    if (*c.reason != '\0') {
      EXPECT_EQ(KubeErrorReason(s), c.reason) << s.message();
    }
  }
}

TEST(ApiErrorTest, NotFoundMessage) {
  common::Status s = ErrorFromResponse(
      kGetWeb, 404, StatusBody(404, "NotFound", "deployments.apps \"web\" not found"));
  EXPECT_EQ(
      s.ToString(),
      "NotFound: get deployments.apps \"web\" in namespace \"shop\": deployments.apps \"web\" "
      "not found (reason NotFound, HTTP 404)");
}

TEST(ApiErrorTest, StatusWithoutReasonGetsTheReasonForItsCode) {
  common::Status s =
      ErrorFromResponse(kGetWeb, 409, R"({"kind":"Status","message":"stale","code":409})");
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(KubeErrorReason(s), "Conflict");
  EXPECT_NE(s.message().find(": stale"), std::string::npos);
}

TEST(ApiErrorTest, NonStatusBodiesGetGenericTextAndAnExcerpt) {
  common::Status s = ErrorFromResponse(kGetWeb, 404, "<html>\n<body>nginx 404</body></html>");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(KubeErrorReason(s), "NotFound");
  EXPECT_NE(
      s.message().find("the server could not find the requested resource: <html> <body>nginx 404"),
      std::string::npos)
      << s.message();

  // A JSON object that is not a Status (no "kind") counts as a foreign body too.
  s = ErrorFromResponse(kGetWeb, 409, R"({"message":"x","reason":"AlreadyExists"})");
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(KubeErrorReason(s), "Conflict");
  EXPECT_NE(s.message().find("the server reported a conflict"), std::string::npos);

  s = ErrorFromResponse(kGetWeb, 500, std::string(1000, 'x'));
  EXPECT_NE(s.message().find(std::string(200, 'x') + "..."), std::string::npos);
  EXPECT_EQ(s.message().find(std::string(201, 'x')), std::string::npos);

  s = ErrorFromResponse(kGetWeb, 503, "");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(KubeErrorReason(s), "ServiceUnavailable");
}

TEST(ApiErrorTest, ForbiddenNamesVerbResourceAndRbacRule) {
  common::Status s = ErrorFromResponse(
      ApiRequest::For(Verb::kPatch, kDeployments, "shop", "web"), 403,
      StatusBody(
          403, "Forbidden",
          "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:rebound:rebound\" "
          "cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"shop\""));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(KubeErrorReason(s), "Forbidden");
  EXPECT_TRUE(s.message().starts_with(
      "forbidden: cannot patch deployments.apps in namespace \"shop\" (RBAC: grant verb \"patch\" "
      "on resource \"deployments\" in API group \"apps\"): deployments.apps \"web\" is forbidden"))
      << s.message();
}

TEST(ApiErrorTest, ForbiddenSubresourceAndClusterScope) {
  ApiRequest scale = ApiRequest::For(Verb::kUpdate, kStatefulSets, "db", "pg");
  scale.subresource = "scale";
  EXPECT_TRUE(
      ErrorFromResponse(scale, 403, "")
          .message()
          .starts_with("forbidden: cannot update statefulsets.apps/scale in namespace \"db\" "
                       "(RBAC: grant verb "
                       "\"update\" on resource \"statefulsets/scale\" in API group \"apps\")"));
  EXPECT_TRUE(
      ErrorFromResponse(ApiRequest::For(Verb::kList, kNodes, "", ""), 403, "")
          .message()
          .starts_with("forbidden: cannot list nodes cluster-wide (RBAC: grant verb \"list\" "
                       "on resource \"nodes\" in the core API group (\"\") with a "
                       "ClusterRole and ClusterRoleBinding)"));
}

TEST(ApiErrorTest, UnauthorizedSaysWhatToCheck) {
  common::Status s =
      ErrorFromResponse(kGetWeb, 401, StatusBody(401, "Unauthorized", "Unauthorized"));
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(KubeErrorReason(s), "Unauthorized");
  EXPECT_TRUE(
      s.message().starts_with("unauthorized: the API server did not accept the credentials for get "
                              "deployments.apps \"web\" "
                              "in namespace \"shop\" (check the token or client certificate"))
      << s.message();
}

TEST(ApiErrorTest, ReasonSurvivesContextAndIsEmptyOtherwise) {
  common::Status s = ErrorFromResponse(kGetWeb, 404, StatusBody(404, "NotFound", "gone"));
  EXPECT_EQ(KubeErrorReason(s.WithContext("restart")), "NotFound");
  EXPECT_EQ(KubeErrorReason(common::Status::Ok()), "");
  EXPECT_EQ(KubeErrorReason(common::DeadlineExceeded("get pods: Timeout was reached")), "");
  EXPECT_EQ(KubeErrorReason(common::InvalidArgument("bad (thing)")), "");
}

}  // namespace
}  // namespace rebound::kube
