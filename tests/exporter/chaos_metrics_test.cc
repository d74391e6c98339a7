#include "exporter/chaos_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <array>

#include "tests/support/metric_value.h"

namespace rebound::exporter {
namespace {

using rebound::testing::MetricValue;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::array<std::string_view, 2> kResults = {"recovered", "failed"};

TEST(ChaosMetricsTest, LoadedExperimentHasItsSeriesAtZero) {
  prometheus::Registry registry;
  ChaosMetrics metrics(registry);
  metrics.AddExperiment("web-kill", kResults);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_runs_total",
                        {{"experiment", "web-kill"}, {"result", "failed"}}),
            0);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_active", {{"experiment", "web-kill"}}), 0);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_restore_owed", {{"experiment", "web-kill"}}), 0);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_last_run_timestamp_seconds",
                        {{"experiment", "web-kill"}}),
            std::nullopt);
}

TEST(ChaosMetricsTest, OwedRestoresAreCountedUntilSettled) {
  prometheus::Registry registry;
  ChaosMetrics metrics(registry);
  metrics.RestoreOwed("web-down", true);
  metrics.RestoreOwed("web-down", true);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_restore_owed", {{"experiment", "web-down"}}), 2);
  metrics.RestoreOwed("web-down", false);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_restore_owed", {{"experiment", "web-down"}}), 1);
}

TEST(ChaosMetricsTest, RecoveredRunFeedsHistogramAndLastValues) {
  prometheus::Registry registry;
  ChaosMetrics metrics(registry);
  metrics.SetActive("web-kill", true);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_active", {{"experiment", "web-kill"}}), 1);
  const system_clock::time_point ended{seconds(1'800'000'000)};
  metrics.RunEnded("web-kill", "recovered", ended, std::chrono::milliseconds(12'500));
  metrics.SetActive("web-kill", false);
  metrics.PlaybookProven("restore-replicas", ended);

  EXPECT_EQ(MetricValue(registry, "rebound_chaos_runs_total",
                        {{"experiment", "web-kill"}, {"result", "recovered"}}),
            1);
  EXPECT_EQ(
      MetricValue(registry, "rebound_chaos_recovery_seconds_count", {{"experiment", "web-kill"}}),
      1);
  EXPECT_EQ(
      MetricValue(registry, "rebound_chaos_last_recovery_seconds", {{"experiment", "web-kill"}}),
      12.5);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_last_run_timestamp_seconds",
                        {{"experiment", "web-kill"}}),
            1.8e9);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_active", {{"experiment", "web-kill"}}), 0);
  EXPECT_EQ(MetricValue(registry, "rebound_playbook_last_proven_timestamp_seconds",
                        {{"playbook", "restore-replicas"}}),
            1.8e9);
}

TEST(ChaosMetricsTest, FailedRunLeavesRecoveryAlone) {
  prometheus::Registry registry;
  ChaosMetrics metrics(registry);
  metrics.RunEnded("web-kill", "failed", system_clock::time_point{seconds(100)}, std::nullopt);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_runs_total",
                        {{"experiment", "web-kill"}, {"result", "failed"}}),
            1);
  EXPECT_EQ(
      MetricValue(registry, "rebound_chaos_recovery_seconds_count", {{"experiment", "web-kill"}}),
      std::nullopt);
  EXPECT_EQ(MetricValue(registry, "rebound_chaos_last_run_timestamp_seconds",
                        {{"experiment", "web-kill"}}),
            100);
}

}  // namespace
}  // namespace rebound::exporter
