#include "exporter/kube_api_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace rebound::exporter {
namespace {

TEST(KubeApiMetricsTest, CountsAndDurationsByVerbResourceAndCode) {
  auto registry = std::make_shared<prometheus::Registry>();
  KubeApiMetrics metrics(*registry);
  metrics.Observe("patch", "deployments", "200", std::chrono::milliseconds(30));
  metrics.Observe("patch", "deployments", "200", std::chrono::milliseconds(70));
  metrics.Observe("get", "deployments/scale", "timeout", std::chrono::seconds(30));
  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("rebound_kube_api_requests_total{code=\"200\",resource=\"deployments\",verb="
                      "\"patch\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rebound_kube_api_requests_total{code=\"timeout\",resource=\"deployments/"
                      "scale\",verb=\"get\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "rebound_kube_api_request_seconds_count{resource=\"deployments\",verb=\"patch\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "rebound_kube_api_request_seconds_sum{resource=\"deployments\",verb=\"patch\"} 0.1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("rebound_kube_api_request_seconds_bucket{resource=\"deployments/"
                      "scale\",verb=\"get\",le=\"30\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace rebound::exporter
