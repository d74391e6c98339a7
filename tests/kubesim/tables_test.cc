#include "tools/kubesim/tables.h"

#include <gtest/gtest.h>

namespace rebound::kubesim {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(KubesimHumanDurationTest, MatchesKubectl) {
  EXPECT_EQ(HumanDuration(seconds(0)), "0s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(125)), "2m5s");
  EXPECT_EQ(HumanDuration(seconds(600)), "10m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 + 60)), "3h1m");
  EXPECT_EQ(HumanDuration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(HumanDuration(seconds(3 * 86400 + 7200)), "3d2h");
  EXPECT_EQ(HumanDuration(seconds(400 * 86400)), "400d");
  EXPECT_EQ(HumanDuration(seconds(3 * 365 * 86400)), "3y");
}

TEST(KubesimTablesTest, PodRowShowsReadinessStatusAndRestarts) {
  json pod = {
      {"metadata",
       {{"name", "web-1"}, {"namespace", "shop"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
      {"spec", {{"nodeName", "node-1"}, {"containers", {{{"name", "web"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "10.244.0.2"},
        {"containerStatuses",
         {{{"name", "web"},
           {"ready", false},
           {"restartCount", 4},
           {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
           {"lastState", {{"terminated", {{"finishedAt", "2026-01-01T00:04:50Z"}}}}}}}}}}};
  auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::minutes(5);
  json table = ToTable(TypeOf(Kind::kPod), {pod}, 42, now);
  EXPECT_EQ(table["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(table["rows"][0]["cells"], (json{"web-1", "0/1", "CrashLoopBackOff", "4 (10s ago)",
                                             "5m", "10.244.0.2", "node-1", "<none>", "<none>"}));
  EXPECT_EQ(table["columnDefinitions"].size(), 9u);
  EXPECT_EQ(table["columnDefinitions"][5]["priority"], 1);
  EXPECT_TRUE(WantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
  EXPECT_FALSE(WantsTable("application/json"));
}

}  // namespace
}  // namespace rebound::kubesim
