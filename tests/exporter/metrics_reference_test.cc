// The metrics reference (docs/metrics.md) against the exporter: every family the exporter
// defines is documented with its type and labels, every documented family is defined, and
// what the area classes register on a registry — every family given a series, as the daemon's
// components would — is exactly what they list.
#include "tests/support/metrics_reference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>

#include "exporter/all_families.h"
#include "exporter/anomaly_metrics.h"
#include "exporter/chaos_metrics.h"
#include "exporter/heal_metrics.h"
#include "exporter/intake_metrics.h"
#include "exporter/kube_api_metrics.h"
#include "exporter/notify_metrics.h"
#include "exporter/self_metrics.h"
#include "tests/support/process.h"

namespace rebound::exporter {
namespace {

using testing::FamilyDifferences;
using testing::FamilyShape;
using testing::FamilyShapes;
using ::testing::IsEmpty;

std::string TypeName(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Untyped:
      return "untyped";
  }
  return "untyped";
}

FamilyShapes Defined() {
  FamilyShapes defined;
  for (const FamilySpec& spec : AllFamilies()) {
    FamilyShape shape{TypeName(spec.type), {spec.labels.begin(), spec.labels.end()}};
    EXPECT_TRUE(defined.emplace(spec.name, std::move(shape)).second)
        << spec.name << " is defined twice";
  }
  return defined;
}

TEST(MetricsReferenceTest, DocumentsEveryDefinedFamilyAndNoOther) {
  std::vector<std::string> errors;
  FamilyShapes documented =
      testing::DocumentedFamilies(testing::ReadFile(testing::MetricsReferencePath()), &errors);
  EXPECT_THAT(errors, IsEmpty());
  ASSERT_GT(documented.size(), 30u) << "docs/metrics.md lost its tables?";
  EXPECT_THAT(
      FamilyDifferences(Defined(), "exporter::AllFamilies()", documented, "docs/metrics.md"),
      IsEmpty());
}

TEST(MetricsReferenceTest, AreaClassesRegisterWhatTheyList) {
  auto registry = std::make_shared<prometheus::Registry>();
  SelfMetrics self(*registry, {"1.2.3", "abc"});
  IntakeMetrics intake(*registry);
  intake.journal_write.Observe(0.01);
  KubeApiMetrics kube_api(*registry);
  kube_api.Observe("get", "pods", "200", std::chrono::milliseconds(5));
  NotifyMetrics notify(*registry, "slack");
  notify.Requests("200").Increment();
  HealMetrics heal(*registry);
  heal.ActionRan("web", "restart", "done", std::chrono::seconds(1));
  heal.StepVerified("web", "restart", true);
  heal.RemediationEnded("web", "healed", std::chrono::seconds(60));
  heal.Escalated("web");
  AnomalyMetrics anomaly(*registry);
  anomaly.AddSignalSet("memory");
  anomaly.Score("memory", "shop", "web").Set(0.5);
  ChaosMetrics chaos(*registry);
  chaos.RunEnded("web-scale-to-zero", "recovered", std::chrono::system_clock::now(),
                 std::chrono::seconds(12));
  chaos.SetActive("web-scale-to-zero", false);
  chaos.RestoreOwed("web-scale-to-zero", false);
  chaos.PlaybookProven("restore-replicas", std::chrono::system_clock::now());

  auto target_states = std::make_shared<TargetStateCollector>([] {
    return std::vector<TargetStateSample>{{"shop", "Deployment", "web", "escalated"}};
  });

  common::HttpResponse response =
      RenderMetrics({registry, std::make_shared<ProcessCollector>(), std::move(target_states)});
  std::vector<std::string> errors;
  FamilyShapes served = testing::ServedFamilies(response.body, &errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_THAT(FamilyDifferences(Defined(), "exporter::AllFamilies()", served, "/metrics"),
              IsEmpty())
      << response.body;
}

TEST(MetricsReferenceTest, ReadsNamesTypesAndLabelsFromTables) {
  std::vector<std::string> errors;
  FamilyShapes documented = testing::DocumentedFamilies(
      "| metric | type | meaning |\n|---|---|---|\n"
      "| `a_total{x, y}` | counter | a |\n"
      "| `b_seconds` | histogram | b |\n"
      "| `c`, `d` | | not one family |\n"
      "| `a_total` | counter | again |\n",
      &errors);
  EXPECT_EQ(documented,
            (FamilyShapes{{"a_total", {"counter", {"x", "y"}}}, {"b_seconds", {"histogram", {}}}}));
  EXPECT_EQ(errors, std::vector<std::string>{"a_total is documented twice"});

  FamilyShapes served = testing::ServedFamilies(
      "# HELP h_seconds help\n# TYPE h_seconds histogram\n"
      "h_seconds_bucket{verb=\"get\",le=\"0.1\"} 1\nh_seconds_sum{verb=\"get\"} 0.05\n"
      "# TYPE g gauge\ng{a=\"q\\\"},b\",b=\"\"} 1\n"
      "stray 1\n",
      &errors);
  EXPECT_EQ(served,
            (FamilyShapes{{"h_seconds", {"histogram", {"verb"}}}, {"g", {"gauge", {"a", "b"}}}}));
  EXPECT_EQ(errors.back(), "series without a # TYPE line: stray 1");
}

}  // namespace
}  // namespace rebound::exporter
