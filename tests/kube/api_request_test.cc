#include "kube/api_request.h"

#include <gtest/gtest.h>

namespace rebound::kube {
namespace {

std::string Path(const ApiRequest& r) {
  common::Result<std::string> path = r.PathAndQuery();
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  return path.ok() ? *path : "";
}

TEST(ResourceTest, NamesAndPaths) {
  EXPECT_EQ(kDeployments.QualifiedName(), "deployments.apps");
  EXPECT_EQ(kPods.QualifiedName(), "pods");
  EXPECT_EQ(kLeases.ApiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(kNodes.ApiVersion(), "v1");
  EXPECT_EQ(kPodDisruptionBudgets.GroupVersionPath(), "/apis/policy/v1");
  EXPECT_EQ(kEvents.GroupVersionPath(), "/api/v1");
}

TEST(ApiRequestTest, PathForEveryResource) {
  EXPECT_EQ(Path(ApiRequest::For(Verb::kGet, kDeployments, "shop", "web")),
            "/apis/apps/v1/namespaces/shop/deployments/web");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kGet, kStatefulSets, "shop", "db")),
            "/apis/apps/v1/namespaces/shop/statefulsets/db");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kList, kReplicaSets, "shop", "")),
            "/apis/apps/v1/namespaces/shop/replicasets");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kDelete, kPods, "shop", "web-1")),
            "/api/v1/namespaces/shop/pods/web-1");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kPatch, kNodes, "", "node-1")), "/api/v1/nodes/node-1");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kList, kNodes, "", "")), "/api/v1/nodes");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kCreate, kEvents, "shop", "")),
            "/api/v1/namespaces/shop/events");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kUpdate, kLeases, "rebound", "rebound-leader")),
            "/apis/coordination.k8s.io/v1/namespaces/rebound/leases/rebound-leader");
  EXPECT_EQ(Path(ApiRequest::For(Verb::kList, kPodDisruptionBudgets, "shop", "")),
            "/apis/policy/v1/namespaces/shop/poddisruptionbudgets");
}

TEST(ApiRequestTest, ListWithoutNamespaceCoversAllNamespaces) {
  EXPECT_EQ(Path(ApiRequest::For(Verb::kList, kPods, "", "")), "/api/v1/pods");
  EXPECT_EQ(ApiRequest::For(Verb::kList, kPods, "", "").Describe(), "list pods in all namespaces");
}

TEST(ApiRequestTest, Subresource) {
  ApiRequest r = ApiRequest::For(Verb::kUpdate, kDeployments, "shop", "web", "scale");
  EXPECT_EQ(Path(r), "/apis/apps/v1/namespaces/shop/deployments/web/scale");
  EXPECT_EQ(r.RbacResource(), "deployments/scale");
  EXPECT_EQ(r.Describe(), "update deployments.apps/scale \"web\" in namespace \"shop\"");
}

TEST(ApiRequestTest, QueryParametersArePercentEncoded) {
  ApiRequest r = ApiRequest::For(Verb::kList, kPods, "shop", "");
  r.query = {{"labelSelector", "app=web,tier in (a, b),!canary"},
             {"fieldSelector", "spec.nodeName=n1"},
             {"limit", "500"},
             {"continue", "abc+/="}};
  EXPECT_EQ(Path(r),
            "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2C%20b%29%2C%"
            "21canary&fieldSelector=spec.nodeName%3Dn1&limit=500&continue=abc%2B%2F%3D");
}

TEST(ApiRequestTest, NamesArePercentEncoded) {
  EXPECT_EQ(Path(ApiRequest::For(Verb::kGet, kPods, "shop", "a/b?c")),
            "/api/v1/namespaces/shop/pods/a%2Fb%3Fc");
}

TEST(ApiRequestTest, RejectsBadCombinations) {
  auto error = [](const ApiRequest& r) { return r.PathAndQuery().status(); };
  common::Status s = error(ApiRequest::For(Verb::kGet, kNodes, "shop", "n1"));
  EXPECT_EQ(s.code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("cluster-scoped"), std::string::npos) << s.message();
  s = error(ApiRequest::For(Verb::kGet, kPods, "", "p"));
  EXPECT_NE(s.message().find("a namespace is required"), std::string::npos) << s.message();
  s = error(ApiRequest::For(Verb::kGet, kPods, "shop", ""));
  EXPECT_NE(s.message().find("a name is required"), std::string::npos) << s.message();
  s = error(ApiRequest::For(Verb::kList, kPods, "shop", "p"));
  EXPECT_NE(s.message().find("no name may be given"), std::string::npos) << s.message();
  EXPECT_EQ(error(ApiRequest::For(Verb::kGet, kPods, "shop", "..")).code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(error(ApiRequest::For(Verb::kGet, kPods, ".", "p")).code(),
            common::StatusCode::kInvalidArgument);
}

TEST(ApiRequestTest, VerbsAndMethods) {
  EXPECT_EQ(HttpMethod(Verb::kGet), "GET");
  EXPECT_EQ(HttpMethod(Verb::kList), "GET");
  EXPECT_EQ(HttpMethod(Verb::kCreate), "POST");
  EXPECT_EQ(HttpMethod(Verb::kUpdate), "PUT");
  EXPECT_EQ(HttpMethod(Verb::kPatch), "PATCH");
  EXPECT_EQ(HttpMethod(Verb::kDelete), "DELETE");
  EXPECT_EQ(VerbName(Verb::kList), "list");
  EXPECT_EQ(VerbName(Verb::kUpdate), "update");
}

TEST(ApiRequestTest, Describe) {
  EXPECT_EQ(ApiRequest::For(Verb::kPatch, kDeployments, "shop", "web").Describe(),
            "patch deployments.apps \"web\" in namespace \"shop\"");
  EXPECT_EQ(ApiRequest::For(Verb::kList, kNodes, "", "").Describe(), "list nodes");
  EXPECT_EQ(ApiRequest::For(Verb::kCreate, kEvents, "shop", "").Describe(),
            "create events in namespace \"shop\"");
}

}  // namespace
}  // namespace rebound::kube
