// Leader election on real processes: two `rebound run` replicas, each with the POD_NAME and
// POD_NAMESPACE of a pod kubesim runs, compete for one Lease. Exactly one leads (rebound_leader,
// the rebound.io/role label on its pod); the follower answers the webhook 503. The leader is
// SIGKILLed in the middle of a restart (the restart PATCH held by a kubesim fault, after the
// rebound.io/last-heal mark was written); the follower takes over within the lease duration,
// moves the label, and, when Alertmanager re-sends the alert to it, resumes the remediation from
// the mark: the Deployment is restarted exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "tests/support/heal_records.h"
#include "tests/support/kubesim_harness.h"
#include "tests/support/process.h"
#include "tests/support/rebound_daemon.h"

namespace rebound::testing::leader_test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr char kScenario[] = R"(
namespaces: [shop, rebound]
deployments:
  - {name: web, namespace: shop, replicas: 2}
  - {name: rebound, namespace: rebound, replicas: 2}
)";

constexpr char kPlaybook[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: web-restart}
spec:
  match: ['alertname = "WebDown"']
  target: {kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}"}
  steps:
    - action: restart
      verify: {within: 2m}
)";

constexpr char kTarget[] = "Deployment shop/web";

class LeaderIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubesim::testing::KubesimHarness::Options options;
    options.scenario = kScenario;
    ASSERT_TRUE(kubesim_.Start(options));
    ASSERT_TRUE(WaitFor([&] { return Names("get pods -n rebound -o name", "pod/").size() == 2; },
                        seconds(20)));
    pods_ = Names("get pods -n rebound -o name", "pod/");
    for (int i = 0; i < 2; ++i) {
      RunCommand("mkdir -p " + dirs_[i].File("playbooks"));
      WriteFile(dirs_[i].File("playbooks/web-restart.yaml"), kPlaybook);
      daemons_[i] = std::make_unique<ReboundDaemon>(
          dirs_[i], "kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim_.Kubeconfig("") +
                        " }\n"
                        "playbooks: [ \"playbooks/*.yaml\" ]\n"
                        "healing: { verify_interval: 1s }\n"
                        "leader_election: { lease_name: rebound-leader, lease_duration: 3s, "
                        "renew_deadline: 2s, retry_period: 500ms }\n");
      daemons_[i]->SetEnv({{"POD_NAME", pods_[i]}, {"POD_NAMESPACE", "rebound"}});
    }
    starts_at_ = common::FormatRfc3339(common::Timestamp::FromTimePoint(
        std::chrono::floor<seconds>(std::chrono::system_clock::now())));
  }

  std::vector<std::string> Names(const std::string& args, const std::string& prefix) {
    return kubesim_.Names(args, prefix);
  }
  // The pods labelled rebound.io/role=leader, as kubectl lists them.
  std::vector<std::string> LabelledLeaders() {
    return Names("get pods -n rebound -l rebound.io/role=leader -o name", "pod/");
  }
  json Deployment() { return kubesim_.Object("/apis/apps/v1/namespaces/shop/deployments/web"); }

  common::Result<common::HttpClientResponse> Post(ReboundDaemon& daemon,
                                                  const std::string& status) {
    json alert = {
        {"status", status},
        {"labels", {{"alertname", "WebDown"}, {"namespace", "shop"}, {"deployment", "web"}}},
        {"annotations", json::object()},
        {"startsAt", starts_at_},
        {"endsAt", status == "firing" ? "0001-01-01T00:00:00Z" : Now()},
        {"generatorURL", ""},
        {"fingerprint", "web-down"}};
    return daemon.PostWebhook(
        json({{"version", "4"}, {"status", status}, {"receiver", "rebound"}, {"alerts", {alert}}})
            .dump());
  }
  static std::string Now() {
    return common::FormatRfc3339(
        common::Timestamp::FromTimePoint(std::chrono::system_clock::now()));
  }
  std::string Logs() {
    std::string out;
    for (auto& d : daemons_) {
      if (d && d->started()) out += "\n--- rebound log:\n" + d->process().Log();
    }
    return out;
  }

  TempDir dirs_[2];
  kubesim::testing::KubesimHarness kubesim_;
  std::unique_ptr<ReboundDaemon> daemons_[2];
  std::vector<std::string> pods_;
  std::string starts_at_;
};

TEST_F(LeaderIntegrationTest, OneReplicaLeadsAndTheOtherTakesOverAKilledLeadersRemediation) {
  ReboundDaemon& a = *daemons_[0];
  ReboundDaemon& b = *daemons_[1];
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(WaitFor([&] { return a.Metric("rebound_leader") == 1; }, seconds(20))) << Logs();
  ASSERT_TRUE(b.Start());
  // B has completed a round (it is ready) and knows A holds the lease.
  EXPECT_EQ(b.Metric("rebound_leader"), 0) << Logs();
  EXPECT_EQ(a.Metric("rebound_leader"), 1) << Logs();
  ASSERT_TRUE(WaitFor([&] { return LabelledLeaders() == std::vector{pods_[0]}; }, seconds(10)))
      << Logs();
  auto status = b.Get("/api/v1/status");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(
      json::parse(status->body)["data"]["leader"],
      json({{"is_leader", false}, {"holder", pods_[0]}, {"lease", "rebound/rebound-leader"}}));

  // The follower does not accept what it will not act on.
  auto refused = Post(b, "firing");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_EQ(b.Metric("rebound_webhook_requests_total{code=\"503\"}"), 1);

  // The leader marks the Deployment and is killed while its restart PATCH is held.
  ASSERT_TRUE(kubesim_.AddFault({{"verb", "patch"},
                                 {"resource", "deployments"},
                                 {"bodyContains", "kubectl.kubernetes.io/restartedAt"},
                                 {"type", "hang"},
                                 {"maxHang", "120s"}}));
  auto accepted = Post(a, "firing");
  ASSERT_TRUE(accepted.ok() && accepted->status == 200) << Logs();
  ASSERT_TRUE(WaitFor(
      [&] { return kubesim_.Metric("kubesim_faults_injected_total", {"type=\"hang\""}) >= 1; },
      seconds(30)))
      << Logs();
  a.process().Signal(SIGKILL);
  ASSERT_EQ(a.process().Wait(seconds(30)), 128 + SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(kubesim_.Send("DELETE", "/kubesim/v1/faults").ok());
  const std::string planned = PlannedRestartedAtOf(Deployment());
  ASSERT_FALSE(planned.empty()) << "the mark was written before the restart" << Logs();
  ASSERT_TRUE(RestartedAtOf(Deployment()).empty())
      << "the held restart never reached the API server";

  // The lease (3s) expires for B, which takes over and moves the label.
  ASSERT_TRUE(WaitFor([&] { return b.Metric("rebound_leader") == 1; }, seconds(15))) << Logs();
  const auto took_over = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  EXPECT_LT(took_over.count(), 5000) << "lease 3s, a retry period and slack";
  EXPECT_TRUE(WaitFor([&] { return LabelledLeaders() == std::vector{pods_[1]}; }, seconds(10)))
      << Logs();

  // Alertmanager re-sends the firing alert, now to the leader: B resumes from the mark.
  auto resent = Post(b, "firing");
  ASSERT_TRUE(resent.ok() && resent->status == 200) << Logs();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<std::string> path = HealPath(b, kTarget);
        return !path.empty() && path.back() == "action:restart:done";
      },
      seconds(30)))
      << Logs();
  auto resolved = Post(b, "resolved");
  ASSERT_TRUE(resolved.ok() && resolved->status == 200);
  EXPECT_TRUE(WaitForHealPathEnd(b, "outcome:healed", seconds(60), kTarget)) << Logs();
  EXPECT_EQ(RestartedAtOf(Deployment()), planned)
      << "restarted with the plan the old leader marked";
  EXPECT_EQ(Names("get replicasets -n shop -o name", "replicaset.apps/web-").size(), 2u)
      << "restarted exactly once";
}

}  // namespace
}  // namespace rebound::testing::leader_test
