// The Kubernetes REST semantics of kubesim, through the same entry point the HTTP server uses.
#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/kubesim/kubesim_test_util.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/scenario_apply.h"
#include "tools/kubesim/server.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using testing::Body;
using testing::MakeRequest;

const char* kDeployments = "/apis/apps/v1/namespaces/shop/deployments";

json DeploymentJson(int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "web"}, {"labels", {{"app", "web"}}}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", "web"}}}}},
              {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}}}}}};
}

class KubesimApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Scenario scenario;
    scenario.namespaces = {"shop"};
    ASSERT_TRUE(ApplyScenario(scenario, cluster_).ok());
  }
  common::HttpResponse Send(std::string method, std::string path, const json& body = nullptr,
                            std::string content_type = "application/json", std::string query = "") {
    return server_->ServeApi(MakeRequest(std::move(method), std::move(path), std::move(query),
                                         body.is_null() ? "" : body.dump(),
                                         body.is_null() ? "" : content_type));
  }
  json CreateDeployment(int replicas = 2) {
    common::HttpResponse created = Send("POST", kDeployments, DeploymentJson(replicas));
    EXPECT_EQ(created.status, 201) << created.body;
    return Body(created);
  }

  ::rebound::testing::FakeClock clock_;
  Cluster cluster_{clock_, {}};
  std::unique_ptr<KubesimServer> server_ =
      std::make_unique<KubesimServer>(cluster_, KubesimServer::Options{});
};

TEST_F(KubesimApiTest, CreateFillsDefaultsIdentityAndGeneration) {
  json d = CreateDeployment();
  EXPECT_EQ(d["metadata"]["namespace"], "shop");
  EXPECT_EQ(d["metadata"]["generation"], 1);
  EXPECT_FALSE(UidOf(d).empty());
  EXPECT_EQ(d["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  common::HttpResponse again = Send("POST", kDeployments, DeploymentJson(2));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Body(again)["reason"], "AlreadyExists");
}

TEST_F(KubesimApiTest, StaleResourceVersionIsConflictAndNoOpKeepsVersion) {
  json d = CreateDeployment();
  std::string path = std::string(kDeployments) + "/web";
  json stale = d;
  stale["spec"]["replicas"] = 3;
  stale["metadata"]["resourceVersion"] = "1";
  common::HttpResponse conflict = Send("PUT", path, stale);
  EXPECT_EQ(conflict.status, 409);
  json status = Body(conflict);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "Conflict");
  EXPECT_EQ(status["message"],
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been "
            "modified; please apply your changes to the latest version and try again");
  EXPECT_EQ(status["details"], (json{{"name", "web"}, {"group", "apps"}, {"kind", "deployments"}}));

  json current = d;
  current["spec"]["replicas"] = 3;
  common::HttpResponse updated = Send("PUT", path, current);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["metadata"]["generation"], 2);
  std::string rv = Body(updated)["metadata"]["resourceVersion"];

  common::HttpResponse noop =
      Send("PATCH", path, {{"spec", {{"replicas", 3}}}}, "application/merge-patch+json");
  ASSERT_EQ(noop.status, 200);
  EXPECT_EQ(Body(noop)["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(Body(noop)["metadata"]["generation"], 2);

  common::HttpResponse patched_stale =
      Send("PATCH", path, {{"metadata", {{"resourceVersion", "1"}}}, {"spec", {{"replicas", 4}}}},
           "application/merge-patch+json");
  EXPECT_EQ(patched_stale.status, 409);
  // A metadata-only change does not raise the generation.
  common::HttpResponse annotated =
      Send("PATCH", path, {{"metadata", {{"annotations", {{"team", "x"}}}}}},
           "application/strategic-merge-patch+json");
  EXPECT_EQ(Body(annotated)["metadata"]["generation"], 2);
  EXPECT_NE(Body(annotated)["metadata"]["resourceVersion"], rv);
}

TEST_F(KubesimApiTest, ErrorsAreKubernetesStatusObjects) {
  common::HttpResponse missing = Send("GET", std::string(kDeployments) + "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing)["message"], "deployments.apps \"nope\" not found");
  EXPECT_EQ(Body(missing)["details"]["kind"], "deployments");

  json invalid = DeploymentJson(-1);
  common::HttpResponse unprocessable = Send("POST", kDeployments, invalid);
  EXPECT_EQ(unprocessable.status, 422);
  EXPECT_EQ(Body(unprocessable)["message"],
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be "
            "greater than or equal to 0");
  EXPECT_EQ(Body(unprocessable)["details"]["causes"][0]["field"], "spec.replicas");

  common::HttpResponse protobuf =
      Send("POST", kDeployments, DeploymentJson(1), "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(protobuf.status, 415);
  EXPECT_EQ(Body(protobuf)["reason"], "UnsupportedMediaType");

  common::HttpResponse wrong_type = Send("POST", kDeployments, {{"spec", {{"replicas", "three"}}}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(Body(wrong_type)["reason"], "BadRequest");

  common::HttpResponse no_namespace =
      Send("POST", "/apis/apps/v1/namespaces/nope/deployments", DeploymentJson(1));
  EXPECT_EQ(no_namespace.status, 404);
  EXPECT_EQ(Body(no_namespace)["message"], "namespaces \"nope\" not found");

  EXPECT_EQ(Send("GET", "/apis/apps/v1/widgets").status, 404);
  EXPECT_EQ(Send("POST", std::string(kDeployments) + "/web").status, 405);
}

TEST_F(KubesimApiTest, BodyWithoutContentTypeIsJsonAndStrictValidationRejectsUnknownFields) {
  common::HttpResponse created =
      server_->ServeApi(MakeRequest("POST", kDeployments, "", DeploymentJson(1).dump()));
  EXPECT_EQ(created.status, 201);
  json lease = {{"metadata", {{"name", "x"}}}, {"spec", {{"bogus", 1}}}};
  common::HttpResponse strict = Send("POST", "/apis/coordination.k8s.io/v1/namespaces/shop/leases",
                                     lease, "application/json", "fieldValidation=Strict");
  EXPECT_EQ(strict.status, 400);
  EXPECT_EQ(Body(strict)["message"],
            "Lease in version \"v1\" cannot be handled as a Lease: strict decoding error: "
            "unknown field \"spec.bogus\"");
}

TEST_F(KubesimApiTest, ScaleSubresource) {
  CreateDeployment(2);
  std::string scale = std::string(kDeployments) + "/web/scale";
  common::HttpResponse got = Send("GET", scale);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got)["kind"], "Scale");
  EXPECT_EQ(Body(got)["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(Body(got)["spec"]["replicas"], 2);
  EXPECT_EQ(Body(got)["status"]["selector"], "app=web");

  common::HttpResponse patched =
      Send("PATCH", scale, {{"spec", {{"replicas", 5}}}}, "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched)["spec"]["replicas"], 5);
  EXPECT_EQ(Body(Send("GET", std::string(kDeployments) + "/web"))["spec"]["replicas"], 5);

  json put = Body(patched);
  put["spec"]["replicas"] = 1;
  EXPECT_EQ(server_->ServeApi(MakeRequest("PUT", scale, "", put.dump())).status, 200)
      << "PUT without Content-Type (kubectl scale --current-replicas)";
  put["spec"]["replicas"] = 2;
  EXPECT_EQ(Send("PUT", scale, put).status, 409) << "the Scale's resourceVersion is stale";
  put["spec"]["replicas"] = -1;
  put["metadata"].erase("resourceVersion");
  common::HttpResponse invalid = Send("PUT", scale, put);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(Body(invalid)["details"]["kind"], "Scale");
}

TEST_F(KubesimApiTest, ListsTablesAndSelectors) {
  CreateDeployment(2);
  cluster_.Tick();
  common::HttpResponse list =
      Send("GET", "/api/v1/namespaces/shop/pods", nullptr, "", "labelSelector=app%3Dweb&limit=500");
  json pods = Body(list);
  EXPECT_EQ(pods["kind"], "PodList");
  EXPECT_EQ(pods["items"].size(), 2u);
  EXPECT_EQ(pods["metadata"]["resourceVersion"], std::to_string(cluster_.store().CurrentVersion()));
  EXPECT_EQ(Body(Send("GET", "/api/v1/namespaces/shop/pods", nullptr, "",
                      "labelSelector=app%3Ddb"))["items"]
                .size(),
            0u);

  common::HttpRequest table_request = MakeRequest("GET", kDeployments);
  table_request.headers.emplace_back(
      "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  json table = Body(server_->ServeApi(table_request));
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(table["rows"][0]["cells"][0], "web");
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["namespace"], "shop");
  EXPECT_EQ(Body(Send("GET", "/apis/apps/v1/deployments"))["items"].size(), 1u)
      << "a list across namespaces";
}

TEST_F(KubesimApiTest, DeletePreconditionsAndPropagation) {
  json d = CreateDeployment(1);
  cluster_.Tick();
  std::string path = std::string(kDeployments) + "/web";
  common::HttpResponse refused =
      Send("DELETE", path, {{"preconditions", {{"resourceVersion", "1"}}}});
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(Body(refused)["message"].get<std::string>().find("Precondition failed"),
            std::string::npos);

  common::HttpResponse orphaned = Send("DELETE", path, {{"propagationPolicy", "Orphan"}});
  ASSERT_EQ(orphaned.status, 200);
  cluster_.Tick();
  auto replicasets = cluster_.store().ListObjects(TypeOf(Kind::kReplicaSet), "shop").items;
  ASSERT_EQ(replicasets.size(), 1u) << "Orphan keeps the dependents";
  EXPECT_FALSE(Find(replicasets[0], "/metadata/ownerReferences"));

  std::string rs_path = "/apis/apps/v1/namespaces/shop/replicasets/" + NameOf(replicasets[0]);
  ASSERT_EQ(Send("DELETE", rs_path, {{"propagationPolicy", "Background"}}).status, 200);
  cluster_.Tick();
  EXPECT_TRUE(cluster_.store().ListObjects(TypeOf(Kind::kPod), "shop").items.empty())
      << "Background deletion lets the garbage collector remove the pods";
}

TEST_F(KubesimApiTest, AuthenticationAndAuthorization) {
  KubesimServer::Options options;
  options.tokens = {
      *ParseTokenSpec("admin-token"),
      *ParseTokenSpec("view;user=viewer;verbs=get,list;resources=pods;namespaces=shop")};
  KubesimServer secured(cluster_, options);
  auto send = [&](const std::string& token, std::string method, std::string path) {
    common::HttpRequest request = MakeRequest(std::move(method), std::move(path));
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    return secured.ServeApi(request);
  };
  EXPECT_EQ(send("", "GET", "/api/v1/nodes").status, 401);
  EXPECT_EQ(Body(send("wrong", "GET", "/api/v1/nodes"))["reason"], "Unauthorized");
  EXPECT_EQ(send("admin-token", "GET", "/api/v1/nodes").status, 200);
  EXPECT_EQ(send("view", "GET", "/api/v1/namespaces/shop/pods").status, 200);
  common::HttpResponse forbidden = send("view", "DELETE", "/api/v1/namespaces/shop/pods/x");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(Body(forbidden)["message"],
            "pods \"x\" is forbidden: User \"viewer\" cannot delete resource \"pods\" in API "
            "group \"\" in the namespace \"shop\"");
  EXPECT_EQ(Body(send("view", "GET", "/api/v1/nodes"))["message"],
            "nodes is forbidden: User \"viewer\" cannot list resource \"nodes\" in API group "
            "\"\" at the cluster scope");
  EXPECT_EQ(
      Body(send("view", "PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale"))["message"],
      "deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch resource "
      "\"deployments/scale\" in API group \"apps\" in the namespace \"shop\"");
  EXPECT_FALSE(ParseTokenSpec("t;colour=red").ok());
  EXPECT_FALSE(ParseTokenSpec(";user=x").ok());
}

TEST_F(KubesimApiTest, InjectedFaultsAnswerTheNextMatchingRequests) {
  CreateDeployment(1);
  FaultSpec throttle;
  throttle.verb = "get";
  throttle.resource = "deployments";
  throttle.type = FaultSpec::Type::kThrottle;
  throttle.count = 2;
  throttle.retry_after_seconds = 3;
  cluster_.faults().Add(throttle);
  FaultSpec conflict;
  conflict.verb = "patch";
  conflict.resource = "deployments/scale";
  conflict.type = FaultSpec::Type::kConflict;
  cluster_.faults().Add(conflict);

  std::string path = std::string(kDeployments) + "/web";
  EXPECT_EQ(Send("GET", "/api/v1/nodes").status, 200) << "other resources are not affected";
  for (int i = 0; i < 2; ++i) {
    common::HttpResponse throttled = Send("GET", path);
    EXPECT_EQ(throttled.status, 429);
    EXPECT_EQ(throttled.headers, (decltype(throttled.headers){{"Retry-After", "3"}}));
    EXPECT_EQ(Body(throttled)["reason"], "TooManyRequests");
  }
  EXPECT_EQ(Send("GET", path).status, 200);
  EXPECT_EQ(
      Send("PATCH", path + "/scale", {{"spec", {{"replicas", 2}}}}, "application/merge-patch+json")
          .status,
      409);
  EXPECT_EQ(cluster_.faults().InjectedCounts()["throttle"], 2u);
  EXPECT_TRUE(cluster_.faults().Pending().empty());

  FaultSpec hang;
  hang.type = FaultSpec::Type::kHang;
  hang.max_hang = std::chrono::seconds(30);
  cluster_.faults().Add(hang);
  std::thread advance([&] {
    // Past maxHang only once the hang has read the clock for its deadline.
    EXPECT_TRUE(cluster_.faults().WaitForHanging(1, std::chrono::seconds(10)));
    clock_.Advance(std::chrono::seconds(31));
  });
  EXPECT_EQ(Send("GET", path).status, 504) << "a hang ends at maxHang on the clock";
  advance.join();
}

TEST_F(KubesimApiTest, AFaultWithBodyContainsHitsOnlyRequestsWhoseBodyHasTheText) {
  CreateDeployment(1);
  FaultSpec restart;
  restart.verb = "patch";
  restart.resource = "deployments";
  restart.body_contains = "restartedAt";
  restart.type = FaultSpec::Type::kError;
  cluster_.faults().Add(restart);
  EXPECT_EQ(restart.ToJson()["bodyContains"], "restartedAt");

  std::string path = std::string(kDeployments) + "/web";
  const json mark = {{"metadata", {{"annotations", {{"rebound.io/last-heal", "{}"}}}}}};
  EXPECT_EQ(Send("PATCH", path, mark, "application/merge-patch+json").status, 200)
      << "a PATCH without the text passes";
  const json restart_patch = {
      {"spec",
       {{"template",
         {{"metadata",
           {{"annotations", {{"kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z"}}}}}}}}}};
  EXPECT_EQ(Send("PATCH", path, restart_patch, "application/merge-patch+json").status, 500);
  EXPECT_EQ(Send("PATCH", path, restart_patch, "application/merge-patch+json").status, 200)
      << "count 1: used up";
}

TEST_F(KubesimApiTest, DiscoveryServesBothForms) {
  common::HttpRequest aggregated = MakeRequest("GET", "/apis");
  aggregated.headers.emplace_back(
      "Accept",
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
  common::HttpResponse response = server_->ServeApi(aggregated);
  EXPECT_EQ(response.content_type,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  json groups = Body(response);
  EXPECT_EQ(groups["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(groups["items"][0]["metadata"]["name"], "apps");

  json legacy = Body(server_->ServeApi(MakeRequest("GET", "/apis")));
  EXPECT_EQ(legacy["kind"], "APIGroupList");
  json apps = Body(server_->ServeApi(MakeRequest("GET", "/apis/apps/v1")));
  bool has_scale = false;
  for (const json& resource : apps["resources"])
    has_scale |= resource["name"] == "deployments/scale";
  EXPECT_TRUE(has_scale);
  json openapi = Body(server_->ServeApi(MakeRequest("GET", "/openapi/v3")));
  std::string url = openapi["paths"]["apis/coordination.k8s.io/v1"]["serverRelativeURL"];
  json lease_doc = Body(server_->ServeApi(MakeRequest("GET", url.substr(0, url.find('?')))));
  EXPECT_TRUE(lease_doc["paths"].contains(
      "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"));
}

}  // namespace
}  // namespace rebound::kubesim
