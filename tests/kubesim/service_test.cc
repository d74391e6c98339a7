// Services: the scenario key, the REST resource (defaults, validation, Tables, discovery) and
// the routing of the proxy subresource, through the entry point the HTTP server uses.
#include <gtest/gtest.h>

#include "tests/kubesim/behaviour_fixture.h"
#include "tests/kubesim/kubesim_test_util.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/scenario_apply.h"
#include "tools/kubesim/server.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using testing::Body;
using testing::MakeRequest;
using testing::ScenarioErrors;

TEST(KubesimServiceScenarioTest, ReadsServicesWithDefaults) {
  ScenarioResult result = ParseScenario(R"(
services:
  - {name: cart, namespace: shop}
  - name: search
    selector: {app: search, tier: web}
    ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
)",
                                        "s.yaml");
  ASSERT_TRUE(result.scenario) << result.errors.front().ToString();
  const std::vector<ServiceSpec>& services = result.scenario->services;
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0].ns, "shop");
  EXPECT_EQ(services[0].selector, (std::map<std::string, std::string>{{"app", "cart"}}));
  ASSERT_EQ(services[0].ports.size(), 1u);
  EXPECT_EQ(services[0].ports[0].name, "http");
  EXPECT_EQ(services[0].ports[0].port, 80);
  EXPECT_EQ(services[1].ns, "default");
  EXPECT_EQ(services[1].selector.at("tier"), "web");
  ASSERT_EQ(services[1].ports.size(), 2u);
  EXPECT_EQ(services[1].ports[1].port, 9090);
}

TEST(KubesimServiceScenarioTest, BadServicesAreReportedAtTheirPlace) {
  EXPECT_EQ(ScenarioErrors(R"(services:
  - name: cart
    prots: []
  - name: a
    ports: [{name: http, port: 0}, {port: 81}]
  - {name: b, ports: [{name: x, port: 80}, {name: x, port: 80}]}
  - {name: cart}
)"),
            (std::vector<std::string>{
                "s.yaml:3:5: unknown key \"prots\" in services[0] (did you mean \"ports\"?)",
                "s.yaml:5:5: \"services[1].ports[1]\": a name is required when there are "
                "several ports",
                "s.yaml:5:32: \"services[1].ports[0].port\": expected a positive integer no "
                "larger than 65535, got \"0\"",
                "s.yaml:6:45: \"services[2].ports[1].name\": \"x\" is used by another port",
                "s.yaml:6:54: \"services[2].ports[1].port\": 80 is used by another port",
                "s.yaml:7:5: \"services[3]\": \"default/cart\" is defined twice"}));
}

class KubesimServiceApiTest : public testing::KubesimBehaviourTest {
 protected:
  void SetUp() override {
    Load(R"(
deployments:
  - {name: cart, namespace: shop, replicas: 2}
  - {name: idle, namespace: shop, replicas: 0}
services:
  - {name: cart, namespace: shop, ports: [{name: http, port: 80}]}
  - {name: idle, namespace: shop}
)");
    Run(std::chrono::seconds(2));
  }
  common::HttpResponse Get(const std::string& path) {
    return server_.ServeApi(MakeRequest("GET", path));
  }

  KubesimServer server_{cluster_, KubesimServer::Options{}};
};

TEST_F(KubesimServiceApiTest, ServicesAreStoredWithAClusterIpAndListedAsTables) {
  json cart = Body(Get("/api/v1/namespaces/shop/services/cart"));
  EXPECT_EQ(cart["kind"], "Service");
  EXPECT_EQ(cart["spec"]["type"], "ClusterIP");
  std::string ip = cart["spec"]["clusterIP"];
  EXPECT_TRUE(ip.starts_with("10.96.")) << ip;
  EXPECT_EQ(cart["spec"]["ports"][0]["targetPort"], 80);
  EXPECT_EQ(cart["spec"]["selector"]["app"], "cart");

  // Created through the API: the same defaults, and the same address for the same name.
  json created = {{"apiVersion", "v1"},
                  {"kind", "Service"},
                  {"metadata", {{"name", "web"}}},
                  {"spec", {{"selector", {{"app", "web"}}}, {"ports", {{{"port", 8080}}}}}}};
  common::HttpResponse answer = server_.ServeApi(MakeRequest(
      "POST", "/api/v1/namespaces/shop/services", "", created.dump(), "application/json"));
  ASSERT_EQ(answer.status, 201) << answer.body;
  json web = Body(answer);
  EXPECT_EQ(web["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_NE(web["spec"]["clusterIP"], cart["spec"]["clusterIP"]);
  ASSERT_EQ(server_.ServeApi(MakeRequest("DELETE", "/api/v1/namespaces/shop/services/web")).status,
            200);
  answer = server_.ServeApi(MakeRequest("POST", "/api/v1/namespaces/shop/services", "",
                                        created.dump(), "application/json"));
  EXPECT_EQ(Body(answer)["spec"]["clusterIP"], web["spec"]["clusterIP"]);

  json bad = created;
  bad["spec"]["ports"] = json::array();
  answer = server_.ServeApi(
      MakeRequest("POST", "/api/v1/namespaces/shop/services", "", bad.dump(), "application/json"));
  EXPECT_EQ(answer.status, 422) << answer.body;
  EXPECT_NE(answer.body.find("spec.ports"), std::string::npos) << answer.body;

  common::HttpRequest table =
      MakeRequest("GET", "/api/v1/namespaces/shop/services", "labelSelector=");
  table.headers.emplace_back("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
  json rows = Body(server_.ServeApi(table));
  std::vector<std::string> columns;
  for (const json& column : rows["columnDefinitions"]) {
    if (column["priority"] == 0) columns.push_back(column["name"]);
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP",
                                               "Port(s)", "Age"}));
  EXPECT_EQ(rows["rows"][0]["cells"][0], "cart");
  EXPECT_EQ(rows["rows"][0]["cells"][4], "80/TCP");
  EXPECT_EQ(rows["rows"][0]["cells"][6], "app=cart");

  bool listed = false;
  json core = Body(Get("/api/v1"));
  for (const json& resource : core["resources"]) {
    listed |= resource["name"] == "services" && resource["kind"] == "Service";
  }
  EXPECT_TRUE(listed);
}

TEST_F(KubesimServiceApiTest, ProxyAnswersAsTheApplication) {
  common::HttpResponse ok = Get("/api/v1/namespaces/shop/services/cart:80/proxy/");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.body.starts_with("ok from shop/cart-")) << ok.body;
  for (const char* target : {"cart", "cart:http", "http:cart:80", "https:cart:http"}) {
    common::HttpResponse answer =
        Get(std::string("/api/v1/namespaces/shop/services/") + target + "/proxy/healthz/deep");
    EXPECT_EQ(answer.status, 200) << target << ": " << answer.body;
  }

  common::HttpResponse missing = Get("/api/v1/namespaces/shop/services/nope:80/proxy/");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing)["message"], "services \"nope\" not found");
  common::HttpResponse bad_port = Get("/api/v1/namespaces/shop/services/cart:81/proxy/");
  EXPECT_EQ(bad_port.status, 404);
  EXPECT_EQ(Body(bad_port)["kind"], "Status");
  EXPECT_EQ(Get("/api/v1/namespaces/shop/services/ftp:cart:80/proxy/").status, 400);

  common::HttpResponse none = Get("/api/v1/namespaces/shop/services/idle/proxy/");
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(none.body, "no endpoints available for service \"idle\"\n");

  common::HttpResponse post = server_.ServeApi(
      MakeRequest("POST", "/api/v1/namespaces/shop/services/cart:80/proxy/", "", "{}"));
  EXPECT_EQ(post.status, 405);
}

}  // namespace
}  // namespace rebound::kubesim
