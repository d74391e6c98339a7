#include "app/kube_api_observer.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "tests/support/metric_value.h"

namespace rebound::app {
namespace {

using std::chrono::milliseconds;
using testing::MetricValue;

TEST(KubeApiObserverTest, CountsAttemptsByHttpStatusOrTimeoutOrError) {
  prometheus::Registry registry;
  KubeApiObserver observer(registry);
  observer.OnAttempt(
      {.verb = "patch", .resource = "deployments", .status = 200, .elapsed = milliseconds(30)});
  observer.OnAttempt(
      {.verb = "patch", .resource = "deployments", .status = 200, .elapsed = milliseconds(70)});
  observer.OnAttempt({.verb = "get", .resource = "pods", .timed_out = true});
  observer.OnAttempt({.verb = "get", .resource = "pods"});

  auto requests = [&](const std::string& verb, const std::string& resource,
                      const std::string& code) {
    return MetricValue(registry, "rebound_kube_api_requests_total",
                       {{"verb", verb}, {"resource", resource}, {"code", code}});
  };
  EXPECT_EQ(requests("patch", "deployments", "200"), 2);
  EXPECT_EQ(requests("get", "pods", "timeout"), 1);
  EXPECT_EQ(requests("get", "pods", "error"), 1);
  EXPECT_EQ(MetricValue(registry, "rebound_kube_api_request_seconds_count",
                        {{"verb", "patch"}, {"resource", "deployments"}}),
            2);
  EXPECT_EQ(MetricValue(registry, "rebound_kube_api_request_seconds_count",
                        {{"verb", "get"}, {"resource", "pods"}}),
            2);
}

}  // namespace
}  // namespace rebound::app
