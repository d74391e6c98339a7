// The Service proxy's answers as the simulated applications behind the Services would give
// them, on a fake clock.
#include "tools/kubesim/service_proxy.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/kubesim/behaviour_fixture.h"

namespace rebound::kubesim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::KubesimBehaviourTest;

class KubesimServiceProxyTest : public KubesimBehaviourTest {
 protected:
  // `n` answers for `target` in shop: how many were 503, and the delays seen.
  struct Tally {
    int failed = 0;
    std::set<int64_t> delays_ms;
    std::set<std::string> bodies;
  };
  Tally Ask(const std::string& target, int n) {
    Tally tally;
    for (int i = 0; i < n; ++i) {
      ServiceProxy::Answer answer = proxy_.Decide("shop", target);
      EXPECT_TRUE(answer.response.status == 200 || answer.response.status == 503)
          << answer.response.body;
      if (answer.response.status == 503) ++tally.failed;
      tally.delays_ms.insert(answer.delay.count());
      tally.bodies.insert(answer.response.body);
    }
    return tally;
  }

  ServiceProxy proxy_{cluster_.store(), cluster_.pods(), cluster_.behaviours(), clock_, 7};
};

TEST_F(KubesimServiceProxyTest, HealthyAppsAnswerInTurnAfterTheirLatency) {
  Load(R"(
deployments:
  - {name: cart, namespace: shop, replicas: 2, behaviour: {type: healthy, latency: 30ms}}
services: [{name: cart, namespace: shop}]
)");
  Run(seconds(2));
  Tally tally = Ask("cart:80", 10);
  EXPECT_EQ(tally.failed, 0);
  EXPECT_EQ(tally.delays_ms, (std::set<int64_t>{30}));
  EXPECT_EQ(tally.bodies.size(), 2u) << "round robin over both ready pods";
  for (const std::string& body : tally.bodies) EXPECT_TRUE(body.starts_with("ok from shop/cart-"));
}

TEST_F(KubesimServiceProxyTest, OverloadFailsTheShareTheReplicasCannotServe) {
  Load(R"(
deployments:
  - name: search
    namespace: shop
    behaviour: {type: overload, requestsPerSecond: 250, capacityPerReplica: 100, latency: 40ms}
services: [{name: search, namespace: shop}]
)");
  Run(seconds(2));
  // One replica serves 100 of 250 requests/s: 60% fail, and latency is 250/100 x 40ms.
  Tally overloaded = Ask("search", 2000);
  EXPECT_GT(overloaded.failed, 1100);
  EXPECT_LT(overloaded.failed, 1300);
  EXPECT_EQ(overloaded.delays_ms, (std::set<int64_t>{100}));

  Patch(Kind::kDeployment, "search", {{"spec", {{"replicas", 3}}}});
  Run(seconds(3));
  Tally scaled = Ask("search", 200);
  EXPECT_EQ(scaled.failed, 0);
  EXPECT_EQ(scaled.delays_ms, (std::set<int64_t>{40}));
}

TEST_F(KubesimServiceProxyTest, FaultsFailAfterTheirTimeoutCappedSoProbesNeverHang) {
  Load(R"(
deployments:
  - name: api
    namespace: shop
    behaviour: {type: dependency-errors, peer: db, errorRatio: 1, errorGrowth: 0s,
                dependencyDown: true, timeout: 3s}
  - name: slow
    namespace: shop
    behaviour: {type: dependency-errors, peer: db, errorRatio: 1, errorGrowth: 0s,
                dependencyDown: true, timeout: 30s}
  - name: leaky
    namespace: shop
    memoryLimit: 1Gi
    behaviour: {type: memory-leak, leakPerSecond: 1Mi}
  - name: broken
    namespace: shop
    behaviour: {type: crash-loop}
services:
  - {name: api, namespace: shop}
  - {name: slow, namespace: shop}
  - {name: leaky, namespace: shop}
  - {name: broken, namespace: shop}
)");
  Run(seconds(2));
  Tally api = Ask("api", 20);
  EXPECT_EQ(api.failed, 20);
  EXPECT_EQ(api.delays_ms, (std::set<int64_t>{3000}));
  EXPECT_EQ(Ask("slow", 5).delays_ms, (std::set<int64_t>{ServiceProxy::kMaxDelay.count()}));
  EXPECT_EQ(Ask("leaky", 5).failed, 0);
  ServiceProxy::Answer broken = proxy_.Decide("shop", "broken");
  EXPECT_EQ(broken.response.status, 503);
  EXPECT_EQ(broken.response.body, "no endpoints available for service \"broken\"\n");
}

TEST_F(KubesimServiceProxyTest, ShutdownEndsWaits) {
  Load(R"(
deployments:
  - {name: slow, namespace: shop, behaviour: {type: healthy, latency: 4s}}
services: [{name: slow, namespace: shop}]
)");
  Run(seconds(2));
  proxy_.Shutdown();
  ApiRequest request;
  request.ns = "shop";
  request.name = "slow";
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(proxy_.Serve(request).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
}

}  // namespace
}  // namespace rebound::kubesim
