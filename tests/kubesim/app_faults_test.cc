// The dependency-errors and connection-pool-exhausted behaviours, driven by a fake clock and
// read back through /metrics with the names the shipped rules and alerts use.
#include "tools/kubesim/app_faults.h"

#include <gtest/gtest.h>

#include "tests/kubesim/behaviour_fixture.h"

namespace rebound::kubesim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::KubesimBehaviourTest;

const std::vector<std::string> kCallsOk = {"deployment=\"web\"", "peer=\"db\"", "code=\"200\""};
const std::vector<std::string> kNoAnswer = {"deployment=\"web\"", "peer=\"db\"", "code=\"0\""};
const std::vector<std::string> kDown = {"deployment=\"web\"", "peer=\"db\"", "code=\"503\""};
const std::vector<std::string> kWebFailed = {"deployment=\"web\"", "code=\"503\""};

class KubesimAppFaultsTest : public KubesimBehaviourTest {
 protected:
  // The failed and all calls during the next `window`.
  std::pair<double, double> CallsDuring(milliseconds window,
                                        const std::vector<std::string>& failed_match) {
    double failed = Sum("http_client_requests_total", failed_match);
    double ok = Sum("http_client_requests_total", kCallsOk);
    Run(window);
    failed = Sum("http_client_requests_total", failed_match) - failed;
    ok = Sum("http_client_requests_total", kCallsOk) - ok;
    return {failed, failed + ok};
  }
};

// 100 requests/s, each calling db. The fault starts 2 s after the scenario is loaded (the
// pods run from 0.5 s), and the share of failing calls grows linearly to 40% over 10 s:
// 100 × 0.4 × s/10 = 4s calls/s s seconds into the fault. Each 250 ms tick counts the share
// at its end, so after n ticks sum(k=1..n) 4 × k/4 × 1/4 = n(n+1)/8 calls have failed.
TEST_F(KubesimAppFaultsTest, DependencyErrorsGrowWithTheFaultAndARolloutRestartClearsThem) {
  Load(R"(
deployments:
  - name: web
    namespace: shop
    replicas: 2
    behaviour: {type: dependency-errors, peer: db, errorRatio: 0.4, errorGrowth: 10s,
                faultAfter: 2s, requestsPerSecond: 100, timeout: 2s}
)");
  Run(seconds(2));
  EXPECT_GT(Sum("http_client_requests_total", kCallsOk), 100);
  EXPECT_EQ(Samples("http_client_requests_total", kNoAnswer).size(), 1u) << "present at 0";
  EXPECT_EQ(Sum("http_client_requests_total", kNoAnswer), 0);
  double startup_failed = Sum("http_requests_total", kWebFailed);  // before the pods were ready

  Run(seconds(5));
  EXPECT_NEAR(Sum("http_client_requests_total", kNoAnswer), 20 * 21 / 8.0, 2);
  Run(seconds(5));
  EXPECT_NEAR(Sum("http_client_requests_total", kNoAnswer), 40 * 41 / 8.0, 2);
  auto [failed, total] = CallsDuring(seconds(5), kNoAnswer);
  EXPECT_NEAR(failed / total, 0.4, 0.01) << "grown to errorRatio";
  EXPECT_EQ(Sum("http_client_requests_total", kDown), 0) << "no 503: the dependency answers";
  // Each failed call fails its request, after the timeout.
  double calls_failed = Sum("http_client_requests_total", kNoAnswer);
  EXPECT_EQ(Sum("http_requests_total", kWebFailed) - startup_failed, calls_failed);
  EXPECT_EQ(Sum("http_client_request_duration_seconds_count", {"peer=\"db\""}) -
                Sum("http_client_request_duration_seconds_bucket", {"peer=\"db\"", "le=\"1\""}),
            calls_failed)
      << "the failed calls, and only they, take 2 s";
  EXPECT_EQ(Sum("http_request_duration_seconds_count", {"deployment=\"web\""}) -
                Sum("http_request_duration_seconds_bucket", {"deployment=\"web\"", "le=\"1\""}),
            calls_failed);

  // New pods resolve and connect afresh.
  RolloutRestart("web");
  Run(seconds(5));
  auto [after, calls] = CallsDuring(seconds(10), kNoAnswer);
  EXPECT_EQ(after, 0);
  EXPECT_NEAR(calls, 1000, 2);
}

TEST_F(KubesimAppFaultsTest, ADependencyDownForEveryoneFailsNewPodsToo) {
  Load(R"(
deployments:
  - name: web
    namespace: shop
    replicas: 2
    behaviour: {type: dependency-errors, peer: db, errorRatio: 0.5, errorGrowth: 0s,
                faultAfter: 2s, dependencyDown: true, requestsPerSecond: 100}
)");
  Run(seconds(3));
  auto [failed, total] = CallsDuring(seconds(5), kDown);
  EXPECT_NEAR(failed / total, 0.5, 0.01) << "at once: errorGrowth 0s";
  EXPECT_EQ(Sum("http_client_requests_total", kNoAnswer), 0) << "the dependency answers 503";

  RolloutRestart("web");
  Run(seconds(5));
  auto [after, calls] = CallsDuring(seconds(10), kDown);
  EXPECT_NEAR(after / calls, 0.5, 0.01) << "a restart does not help";
  EXPECT_NEAR(calls, 1000, 2);
}

// Two pods share 100 requests/s. Each pod's pool of 10 keeps 2 busy and leaks one connection
// a second of uptime: full (used 10) once 8 leaked; at 9 leaked half its requests find no
// connection, at 10 all do.
TEST_F(KubesimAppFaultsTest, ConnectionPoolFillsUpTimesOutAndNewPodsStartEmpty) {
  Load(R"(
deployments:
  - name: payments
    namespace: shop
    replicas: 2
    behaviour: {type: connection-pool-exhausted, poolName: main, maxConnections: 10,
                busyConnections: 2, connectionLeakPerSecond: 1, requestsPerSecond: 100,
                timeout: 1s}
)");
  Run(seconds(5));  // the pods run from 0.5 s: 4.5 s of uptime, 4 leaked
  auto used = Samples("db_client_connections_usage", {"pool_name=\"main\"", "state=\"used\""});
  ASSERT_EQ(used.size(), 2u);
  for (const auto& [labels, value] : used) EXPECT_EQ(value, 6) << labels;
  EXPECT_EQ(Samples("db_client_connections_max").size(), 2u);
  EXPECT_EQ(Sum("db_client_connections_max", {"pool_name=\"main\""}), 2 * 10);
  const std::vector<std::string> payments_failed = {"deployment=\"payments\"", "code=\"503\""};
  double startup_failed = Sum("http_requests_total", payments_failed);  // before ready
  EXPECT_EQ(Sum("db_client_connections_usage", {"state=\"idle\""}), 2 * 4);
  EXPECT_EQ(Sum("db_client_connections_timeouts_total", {"pool_name=\"main\""}), 0);
  EXPECT_EQ(Samples("db_client_connections_timeouts_total").size(), 2u);

  Run(seconds(4));  // 8.5 s: 8 leaked, full but no one waits yet
  EXPECT_EQ(Sum("db_client_connections_usage", {"state=\"used\""}), 2 * 10);
  EXPECT_EQ(Sum("db_client_connections_timeouts_total"), 0);

  // 11.5 s of uptime. Each 250 ms tick counts the pool's state at its end: 4 ticks with 9
  // leaked (half of the pod's 50 requests/s), 7 with 10 (all of them).
  Run(seconds(3));
  for (const auto& [labels, value] : Samples("db_client_connections_timeouts_total")) {
    EXPECT_NEAR(value, 25 + 87.5, 1) << labels;
  }
  EXPECT_EQ(Sum("http_requests_total", payments_failed) - startup_failed,
            Sum("db_client_connections_timeouts_total"));
  EXPECT_EQ(
      Sum("http_request_duration_seconds_count", {"deployment=\"payments\""}) -
          Sum("http_request_duration_seconds_bucket", {"deployment=\"payments\"", "le=\"0.5\""}),
      Sum("db_client_connections_timeouts_total"))
      << "each timed-out request waited 1 s";

  RolloutRestart("payments");
  Run(seconds(3));
  auto fresh = Samples("db_client_connections_usage", {"state=\"used\""});
  ASSERT_EQ(fresh.size(), 2u) << "the old pods' pools are gone with them";
  for (const auto& [labels, value] : fresh) {
    EXPECT_EQ(used.count(labels), 0u) << "new pods: " << labels;
    EXPECT_LE(value, 2 + 3) << labels;
  }
  EXPECT_EQ(Sum("db_client_connections_timeouts_total"), 0);
  double failed = Sum("http_requests_total", payments_failed);
  Run(seconds(3));
  EXPECT_EQ(Sum("http_requests_total", payments_failed), failed);
}

TEST(KubesimAppFaultsModelTest, PoolAndErrorRatioFollowTheClock) {
  Behaviour dependency;
  dependency.type = Behaviour::Type::kDependencyErrors;
  dependency.error_ratio = 0.5;
  dependency.error_growth = seconds(10);
  dependency.fault_after = seconds(5);
  SteadyTime set{seconds(100)};
  dependency.set_at = set;
  SteadyTime old_pod = set;
  SteadyTime new_pod = set + seconds(6);
  EXPECT_EQ(DependencyErrorRatio(dependency, old_pod, set + seconds(5)), 0);
  EXPECT_DOUBLE_EQ(DependencyErrorRatio(dependency, old_pod, set + seconds(7)), 0.1);
  EXPECT_DOUBLE_EQ(DependencyErrorRatio(dependency, old_pod, set + seconds(60)), 0.5);
  EXPECT_EQ(DependencyErrorRatio(dependency, new_pod, set + seconds(60)), 0);
  dependency.dependency_down = true;
  EXPECT_DOUBLE_EQ(DependencyErrorRatio(dependency, new_pod, set + seconds(60)), 0.5);
  EXPECT_EQ(PoolAt(dependency, old_pod, set + seconds(60)).max, 0) << "no pool";

  Behaviour pool;
  pool.type = Behaviour::Type::kConnectionPoolExhausted;
  pool.max_connections = 4;
  pool.busy_connections = 2;
  pool.connection_leak_per_second = 0.5;
  SteadyTime started{seconds(10)};
  ConnectionPool at_3s = PoolAt(pool, started, started + seconds(3));
  EXPECT_EQ(at_3s.used, 3);
  EXPECT_EQ(at_3s.timeout_ratio, 0);
  EXPECT_EQ(PoolAt(pool, started, started + seconds(6)).timeout_ratio, 0.5);
  ConnectionPool leaked = PoolAt(pool, started, started + seconds(100));
  EXPECT_EQ(leaked.used, 4);
  EXPECT_EQ(leaked.timeout_ratio, 1);
  EXPECT_EQ(FaultFailureRatio(pool, started, started + seconds(100)), 1);
  EXPECT_EQ(DependencyErrorRatio(pool, started, started + seconds(100)), 0);
}

TEST(KubesimAppFaultsParseTest, RejectsIncompleteOrOutOfRangeSettings) {
  auto errors_of = [](const std::string& yaml) {
    common::YamlErrors errors("behaviour.yaml");
    std::optional<Behaviour> parsed = ParseBehaviour(YAML::Load(yaml), "behaviour", errors);
    EXPECT_FALSE(parsed.has_value()) << yaml;
    std::string text;
    for (const common::YamlError& error : errors.Sorted()) text += error.ToString() + "\n";
    return text;
  };
  EXPECT_NE(errors_of("{type: dependency-errors}")
                .find("\"behaviour.peer\": required for type "
                      "dependency-errors"),
            std::string::npos);
  EXPECT_NE(errors_of("{type: dependency-errors, peer: db, errorRatio: 1.5}")
                .find("\"behaviour.errorRatio\": must be above 0 and at most 1"),
            std::string::npos);
  EXPECT_NE(errors_of("{type: connection-pool-exhausted}")
                .find("\"behaviour.connectionLeakPerSecond\": must be above 0 for type "
                      "connection-pool-exhausted"),
            std::string::npos);
  EXPECT_NE(errors_of("{type: connection-pool-exhausted, connectionLeakPerSecond: 1, "
                      "maxConnections: 2, busyConnections: 3}")
                .find("\"behaviour.busyConnections\": must be at most maxConnections"),
            std::string::npos);

  common::YamlErrors errors("behaviour.yaml");
  std::optional<Behaviour> ok = ParseBehaviour(
      YAML::Load("{type: dependency-errors, peer: db, errorRatio: 0.25, errorGrowth: 30s, "
                 "faultAfter: 5s, dependencyDown: true, timeout: 3s}"),
      "behaviour", errors);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->ToJson(), (nlohmann::json{{"type", "dependency-errors"},
                                          {"baseMemory", 64.0 * 1024 * 1024},
                                          {"requestsPerSecond", 10.0},
                                          {"latency", "50ms"},
                                          {"timeout", "3s"},
                                          {"peer", "db"},
                                          {"errorRatio", 0.25},
                                          {"errorGrowth", "30s"},
                                          {"faultAfter", "5s"},
                                          {"dependencyDown", true}}));
}

}  // namespace
}  // namespace rebound::kubesim
