#include "tools/kubesim/control_api.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/kubesim/kubesim_test_util.h"
#include "tools/kubesim/scenario_apply.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using testing::Body;
using testing::MakeRequest;

class KubesimControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed =
        ParseScenario("deployments: [{name: web, namespace: shop, replicas: 2}]\n", "t.yaml");
    ASSERT_TRUE(parsed.scenario);
    ASSERT_TRUE(ApplyScenario(*parsed.scenario, cluster_).ok());
    clock_.Advance(std::chrono::seconds(2));
    cluster_.Tick();
  }
  ::rebound::testing::FakeClock clock_;
  Cluster cluster_{clock_, {}};
  ControlApi api_{cluster_};
};

TEST_F(KubesimControlApiTest, StateDescribesWorkloadsAndPods) {
  json state = Body(api_.Handle(MakeRequest("GET", "/kubesim/v1/state")));
  ASSERT_EQ(state["workloads"].size(), 1u);
  EXPECT_EQ(state["workloads"][0]["name"], "web");
  EXPECT_EQ(state["workloads"][0]["readyReplicas"], 2);
  EXPECT_EQ(state["workloads"][0]["behaviour"]["type"], "healthy");
  ASSERT_EQ(state["pods"].size(), 2u);
  EXPECT_EQ(state["pods"][0]["ready"], true);
  EXPECT_EQ(state["pods"][0]["memoryBytes"]["web"], 64.0 * 1024 * 1024);
}

TEST_F(KubesimControlApiTest, SetsTheBehaviourOfTheCurrentVersion) {
  common::HttpResponse set =
      api_.Handle(MakeRequest("POST", "/kubesim/v1/namespaces/shop/deployments/web/behaviour", "",
                              R"({"type":"crash-loop","restartInterval":"2s"})"));
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Body(set)["type"], "crash-loop");
  cluster_.Tick();  // the pods start crashing from here
  clock_.Advance(std::chrono::seconds(5));
  cluster_.Tick();
  json state = Body(api_.Handle(MakeRequest("GET", "/kubesim/v1/state")));
  EXPECT_EQ(state["workloads"][0]["behaviour"]["type"], "crash-loop");
  EXPECT_EQ(state["pods"][0]["ready"], false);
  EXPECT_GE(state["pods"][0]["restarts"], 2);

  common::HttpResponse bad = api_.Handle(MakeRequest(
      "POST", "/kubesim/v1/namespaces/shop/deployments/web/behaviour", "", R"({"type":"sleepy"})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Body(bad)["error"].get<std::string>().find(
                "request body:1:9: \"behaviour.type\" must be one of"),
            std::string::npos)
      << bad.body;
  EXPECT_EQ(
      api_.Handle(MakeRequest("POST", "/kubesim/v1/namespaces/shop/deployments/nope/behaviour", "",
                              R"({"type":"healthy"})"))
          .status,
      404);
}

TEST_F(KubesimControlApiTest, AddsListsAndClearsFaults) {
  common::HttpResponse added = api_.Handle(
      MakeRequest("POST", "/kubesim/v1/faults", "",
                  R"([{"verb":"patch","resource":"deployments","type":"conflict","count":2},
          {"type":"hang","maxHang":"5s"}])"));
  ASSERT_EQ(added.status, 200) << added.body;
  json faults = Body(api_.Handle(MakeRequest("GET", "/kubesim/v1/faults")));
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(
      faults[0],
      (json{{"verb", "patch"}, {"resource", "deployments"}, {"type", "conflict"}, {"count", 2}}));
  EXPECT_EQ(faults[1]["maxHang"], "5s");
  EXPECT_EQ(api_.Handle(MakeRequest("POST", "/kubesim/v1/faults", "", R"({"type":"boom"})")).status,
            400);
  EXPECT_EQ(Body(api_.Handle(MakeRequest("DELETE", "/kubesim/v1/faults"))).size(), 0u);
  EXPECT_TRUE(cluster_.faults().Pending().empty());
  EXPECT_EQ(api_.Handle(MakeRequest("GET", "/kubesim/v1/nothing")).status, 404);
}

}  // namespace
}  // namespace rebound::kubesim
