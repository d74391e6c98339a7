#include "exporter/self_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

namespace rebound::exporter {
namespace {

TEST(SelfMetricsTest, RendersBuildInfoReloadsAndLeader) {
  auto registry = std::make_shared<prometheus::Registry>();
  SelfMetrics metrics(*registry, {"1.2.3", "abc"});
  metrics.reload_failure.Increment();
  metrics.leader.Set(1);
  common::HttpResponse response = RenderMetrics({registry});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("rebound_build_info{revision=\"abc\",version=\"1.2.3\"} 1"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("rebound_config_reload_total{result=\"failure\"} 1"),
            std::string::npos);
  EXPECT_NE(response.body.find("rebound_config_reload_total{result=\"success\"} 0"),
            std::string::npos);
  EXPECT_NE(response.body.find("rebound_leader 1"), std::string::npos);
}

TEST(ProcessCollectorTest, ReportsPlausibleProcessFigures) {
  ProcessCollector collector;
  std::map<std::string, double> values;
  for (const auto& family : collector.Collect()) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    const auto& m = family.metric[0];
    values[family.name] = family.type == prometheus::MetricType::Counter ? m.counter.value
                                                                          : m.gauge.value;
  }
  EXPECT_GT(values["process_resident_memory_bytes"], 1 << 20);
  EXPECT_GE(values["process_virtual_memory_bytes"], values["process_resident_memory_bytes"]);
  EXPECT_GE(values["process_open_fds"], 3);  // stdin, stdout, stderr
  EXPECT_GT(values["process_max_fds"], values["process_open_fds"]);
  EXPECT_GT(values["process_start_time_seconds"], 1.7e9);
  EXPECT_GE(values["process_cpu_seconds_total"], 0);
}

}  // namespace
}  // namespace rebound::exporter
