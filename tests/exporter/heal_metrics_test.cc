#include "exporter/heal_metrics.h"

#include <gtest/gtest.h>

#include "exporter/self_metrics.h"

namespace rebound::exporter {
namespace {

TEST(TargetStateCollectorTest, ServesOneSeriesPerTargetInStateAndNothingWhenAllAreHealthy) {
  std::vector<TargetStateSample> samples;
  auto collector = std::make_shared<TargetStateCollector>([&samples] { return samples; });
  EXPECT_TRUE(collector->Collect().empty());
  EXPECT_EQ(RenderMetrics({collector}).body.find("rebound_target_state"), std::string::npos);

  samples = {{"shop", "Deployment", "web", "escalated"},
             {"shop", "Deployment", "web", "circuit_open"},
             {"db", "StatefulSet", "pg", "healing"}};
  std::string body = RenderMetrics({collector}).body;
  EXPECT_NE(body.find("# TYPE rebound_target_state gauge"), std::string::npos) << body;
  for (const char* series :
       {"rebound_target_state{namespace=\"shop\",kind=\"Deployment\",name=\"web\","
        "state=\"escalated\"} 1",
        "rebound_target_state{namespace=\"shop\",kind=\"Deployment\",name=\"web\","
        "state=\"circuit_open\"} 1",
        "rebound_target_state{namespace=\"db\",kind=\"StatefulSet\",name=\"pg\","
        "state=\"healing\"} 1"}) {
    EXPECT_NE(body.find(series), std::string::npos) << series << "\n" << body;
  }

  samples.clear();  // recovered: the series go away
  EXPECT_TRUE(collector->Collect().empty());
}

}  // namespace
}  // namespace rebound::exporter
