// Real Alertmanager 0.25 → real rebound, both on 127.0.0.1 with ports chosen at run time.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/alertmanager.h"
#include "tests/support/rebound_daemon.h"

namespace rebound::testing {
namespace {

constexpr const char* kLabels =
    "KubeDeploymentReplicasMismatch namespace=shop deployment=web severity=warning "
    "--annotation=summary=replicas --generator-url=http://127.0.0.1:9/graph";

TEST(AlertmanagerIntegrationTest, EpisodeRecordedOnceDespiteRepeatsThenClosed) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  // repeat_interval 2s makes Alertmanager re-send the same notification: duplicates arrive.
  Alertmanager am(dir, daemon.Url("/webhook/alertmanager"), dir.File("webhook-token"), "2s");
  ASSERT_TRUE(am.Start());

  // An explicit start: the resolving post below must name the same episode.
  std::string start = " --start=" + RunCommand("date -u +%FT%TZ").output.substr(0, 20);
  CommandResult add = am.Amtool(std::string("alert add ") + kLabels + start);
  ASSERT_EQ(add.exit_code, 0) << add.output;
  ASSERT_TRUE(WaitFor(
      [&] { return daemon.Metric("rebound_webhook_requests_total{code=\"200\"}") >= 3; },
      std::chrono::seconds(30)))
      << am.Log();
  nlohmann::json episodes = daemon.Episodes();
  ASSERT_EQ(episodes.size(), 1u) << episodes.dump();
  EXPECT_EQ(episodes[0]["alertname"], "KubeDeploymentReplicasMismatch");
  EXPECT_EQ(episodes[0]["labels"]["deployment"], "web");
  EXPECT_EQ(episodes[0]["status"], "firing");
  EXPECT_GE(daemon.Metric("rebound_alerts_deduplicated_total"), 2);
  // No playbook matches it: recorded as such and set aside ("handled").
  EXPECT_TRUE(WaitFor([&] { return daemon.Episodes("?state=handled").size() == 1; },
                      std::chrono::seconds(10)));

  CommandResult resolve = am.Amtool(std::string("alert add ") + kLabels + start + " --end=" +
                                    RunCommand("date -u +%FT%TZ").output.substr(0, 20));
  ASSERT_EQ(resolve.exit_code, 0) << resolve.output;
  ASSERT_TRUE(WaitFor([&] { return daemon.Episodes("?state=closed").size() == 1; },
                      std::chrono::seconds(30)))
      << am.Log();
  episodes = daemon.Episodes();
  ASSERT_EQ(episodes.size(), 1u);
  EXPECT_EQ(episodes[0]["status"], "resolved");
  EXPECT_NE(episodes[0]["endsAt"], "");
}

TEST(AlertmanagerIntegrationTest, WrongTokenIsRefusedWith401) {
  TempDir dir;
  ReboundDaemon daemon(dir);
  ASSERT_TRUE(daemon.Start());
  WriteFile(dir.File("wrong-token"), "not-the-token\n");
  Alertmanager am(dir, daemon.Url("/webhook/alertmanager"), dir.File("wrong-token"));
  ASSERT_TRUE(am.Start());
  ASSERT_EQ(am.Amtool(std::string("alert add ") + kLabels).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] { return daemon.Metric("rebound_webhook_requests_total{code=\"401\"}") >= 1; },
      std::chrono::seconds(30)));
  // Alertmanager itself saw the failure.
  EXPECT_TRUE(WaitFor(
      [&] { return am.MetricSum("alertmanager_notifications_failed_total{integration=\"webhook\"") >= 1; },
      std::chrono::seconds(30)))
      << am.Log();
  EXPECT_NE(am.Log().find("401"), std::string::npos) << am.Log();
  EXPECT_TRUE(daemon.Episodes().empty());
}

}  // namespace
}  // namespace rebound::testing
