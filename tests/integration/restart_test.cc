// Healing across daemon restarts, on real processes: kubesim (the Kubernetes API) and the real
// `rebound run`, killed (SIGKILL) or stopped (SIGTERM) at a chosen moment of a remediation —
// held there by a kubesim fault on the exact request (the rebound.io/last-heal mark PATCH, the
// restart PATCH, the Kubernetes Event) — and started again on the same state directory. After
// the restart every remediation ends with its action taken exactly once (one new ReplicaSet,
// the restartedAt value its mark planned) and GET /api/v1/actions saying what happened. The
// playbook targets the alert's pod, which the restart replaces (docs/healing.md, "Across
// restarts").
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "tests/support/heal_records.h"
#include "tests/support/kubesim_harness.h"
#include "tests/support/process.h"
#include "tests/support/rebound_daemon.h"

namespace rebound::testing::restart_test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr char kScenario[] = R"(
namespaces: [shop]
deployments:
  - {name: web, namespace: shop, replicas: 2}
)";

// Verification waits for the alert to resolve, which the test decides.
constexpr char kPlaybook[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: pod-restart}
spec:
  match: ['alertname = "PodCrashLooping"']
  target: {kind: Pod, namespace: "{{ labels.namespace }}", name: "{{ labels.pod }}"}
  steps:
    - action: restart
      verify: {within: 2m}
    - action: notify
      message: "{{ target }} is still crash-looping"
      escalate: true
)";

constexpr char kTarget[] = "Deployment shop/web";

class RestartIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubesim::testing::KubesimHarness::Options options;
    options.scenario = kScenario;
    ASSERT_TRUE(kubesim_.Start(options));
    daemon_ = StartHealingDaemon(dir_, kubesim_, "pod-restart.yaml", kPlaybook);
    ASSERT_NE(daemon_, nullptr);
    ASSERT_TRUE(WaitFor([&] { return !Pods().empty(); }, seconds(20)));
    pod_ = Pods().front();
    starts_at_ = common::FormatRfc3339(common::Timestamp::FromTimePoint(
        std::chrono::floor<seconds>(std::chrono::system_clock::now())));
  }

  std::vector<std::string> Pods() { return Names("get pods -n shop -o name", "pod/web-"); }
  std::vector<std::string> ReplicaSets() {
    return Names("get replicasets -n shop -o name", "replicaset.apps/web-");
  }
  std::vector<std::string> Names(const std::string& args, const std::string& prefix) {
    return kubesim_.Names(args, prefix);
  }
  json Deployment() { return kubesim_.Object("/apis/apps/v1/namespaces/shop/deployments/web"); }
  std::string RestartedAt() { return RestartedAtOf(Deployment()); }
  // The restartedAt value the rebound.io/last-heal mark planned, "" without a mark.
  std::string PlannedRestartedAt() { return PlannedRestartedAtOf(Deployment()); }
  void Fault(const json& fault) { ASSERT_TRUE(kubesim_.AddFault(fault)); }
  void ClearFaults() { ASSERT_TRUE(kubesim_.Send("DELETE", "/kubesim/v1/faults").ok()); }
  bool WaitForInjected(const std::string& type, double count) {
    return WaitFor(
        [&] {
          return kubesim_.Metric("kubesim_faults_injected_total", {"type=\"" + type + "\""}) >=
                 count;
        },
        seconds(30));
  }

  void Post(const std::string& status) {
    daemon_->PostAlert(status,
                       {{"alertname", "PodCrashLooping"}, {"namespace", "shop"}, {"pod", pod_}},
                       starts_at_, "crash-web");
  }

  void Kill(int sig) {
    daemon_->process().Signal(sig);
    ASSERT_EQ(daemon_->process().Wait(seconds(30)), sig == SIGKILL ? 128 + SIGKILL : 0);
  }
  // The path about the target, for failure messages and checks.
  std::vector<std::string> Path() { return HealPath(*daemon_, kTarget); }
  std::string Failure() {
    return "\npath: " + json(HealPath(*daemon_)).dump() + "\nrebound log:\n" +
           daemon_->process().Log();
  }
  // The message of the last action record, "" when none.
  std::string LastActionMessage() {
    std::string message;
    for (const json& r : HealRecords(*daemon_)) {
      if (r["kind"] == "action") message = r.value("message", "");
    }
    return message;
  }

  // Waits for the resumed remediation (its second `matched` decision) to have acted or found
  // its action taken, resolves the alert and waits for the remediation to end healed.
  void ExpectHealedAfterResolving() {
    ASSERT_TRUE(WaitFor(
        [&] {
          std::vector<std::string> path = Path();
          return std::count(path.begin(), path.end(), "decision:matched") >= 2 &&
                 (path.back() == "action:restart:done" || path.back() == "action:restart:noop");
        },
        seconds(30)))
        << Failure();
    Post("resolved");
    EXPECT_TRUE(WaitForHealPathEnd(*daemon_, "outcome:healed", seconds(60), kTarget)) << Failure();
  }

  // Starts the daemon again and expects the remediation healed with the restart taken once:
  // the pod template's restartedAt is the one the mark planned, and one ReplicaSet was added.
  void RestartAndExpectRestartedOnce() {
    ASSERT_TRUE(daemon_->Start());
    ExpectHealedAfterResolving();
    EXPECT_FALSE(RestartedAt().empty());
    EXPECT_EQ(RestartedAt(), PlannedRestartedAt());
    EXPECT_EQ(ReplicaSets().size(), 2u) << "restarted exactly once";
  }
  // Waits until the pod the alert named has been replaced.
  bool WaitForAlertPodGone() {
    return WaitFor(
        [&] {
          std::vector<std::string> pods = Pods();
          return std::find(pods.begin(), pods.end(), pod_) == pods.end();
        },
        seconds(30));
  }

  TempDir dir_;
  kubesim::testing::KubesimHarness kubesim_;
  std::unique_ptr<ReboundDaemon> daemon_;
  std::string pod_;
  std::string starts_at_;
};

// The mark reached the API server, the restart PATCH never did (held, then the daemon killed):
// after the restart the step finds the planned restartedAt missing and restarts, once.
TEST_F(RestartIntegrationTest, KilledBetweenTheMarkAndTheRestartRestartsOnceAfterwards) {
  Fault({{"verb", "patch"},
         {"resource", "deployments"},
         {"bodyContains", "kubectl.kubernetes.io/restartedAt"},
         {"type", "hang"},
         {"maxHang", "120s"}});
  Post("firing");
  ASSERT_TRUE(WaitForInjected("hang", 1)) << Failure();
  Kill(SIGKILL);
  const std::string planned = PlannedRestartedAt();
  ASSERT_FALSE(planned.empty()) << "the mark was written before the action";
  ASSERT_TRUE(RestartedAt().empty()) << "the held restart never reached the API server";
  ClearFaults();

  RestartAndExpectRestartedOnce();
  EXPECT_EQ(RestartedAt(), planned);
  std::vector<std::string> path = Path();
  EXPECT_EQ(std::count(path.begin(), path.end(), "action:restart:done"), 1) << Failure();
  EXPECT_EQ(LastActionMessage(),
            "resumed after a restart: restarted Deployment shop/web (restartedAt " + planned + ")");
}

// The restart took effect and replaced the alert's pod; the daemon is killed while it writes
// the Kubernetes Event about it. After the restart the remediation works on the Deployment it
// resolved (the pod is gone), sees its restart in the cluster and verifies it: no second
// restart, no target_not_found.
TEST_F(RestartIntegrationTest, KilledAfterTheRestartVerifiesItOnTheResolvedDeployment) {
  Fault({{"verb", "create"}, {"resource", "events"}, {"type", "hang"}, {"maxHang", "120s"}});
  Post("firing");
  ASSERT_TRUE(WaitForInjected("hang", 1)) << Failure();
  Kill(SIGKILL);
  ClearFaults();
  const std::string restarted = RestartedAt();
  ASSERT_FALSE(restarted.empty()) << Failure();
  ASSERT_TRUE(WaitForAlertPodGone()) << "the restart replaced the alert's pod";

  RestartAndExpectRestartedOnce();
  EXPECT_EQ(RestartedAt(), restarted);
  EXPECT_EQ(LastActionMessage(),
            "resumed after a restart: Deployment shop/web was already restarted (restartedAt " +
                restarted + ")");
}

// SIGTERM while the step is being verified (the pod already replaced): the remediation is
// interrupted and, after the restart, resumed on the Deployment and healed.
TEST_F(RestartIntegrationTest, StoppedWhileVerifyingResumesOnTheResolvedDeployment) {
  Post("firing");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<std::string> path = Path();
        return !path.empty() && path.back() == "action:restart:done";
      },
      seconds(30)))
      << Failure();
  ASSERT_TRUE(WaitForAlertPodGone());
  const std::string restarted = RestartedAt();
  Kill(SIGTERM);

  RestartAndExpectRestartedOnce();
  EXPECT_EQ(RestartedAt(), restarted);
  std::vector<std::string> path = Path();
  EXPECT_EQ(std::count(path.begin(), path.end(), "outcome:interrupted"), 1) << Failure();
  EXPECT_EQ(std::count(path.begin(), path.end(), "action:restart:noop"), 1) << Failure();
}

// Every mark PATCH fails and the daemon is killed while it retries: nothing acted without the
// mark; after the restart (the API server healthy again) the step is marked and acts once.
TEST_F(RestartIntegrationTest, KilledWhileTheMarkFailsNeverActsTwice) {
  Fault({{"verb", "patch"},
         {"resource", "deployments"},
         {"bodyContains", "rebound.io/last-heal"},
         {"type", "error"},
         {"count", 1000}});
  Post("firing");
  ASSERT_TRUE(WaitForInjected("error", 1)) << Failure();
  Kill(SIGKILL);
  EXPECT_TRUE(RestartedAt().empty()) << "no action without its mark";
  ClearFaults();

  RestartAndExpectRestartedOnce();
}

// A mark that cannot be written at all: the step does not act, and a person is told.
TEST_F(RestartIntegrationTest, AMarkThatCannotBeWrittenEscalatesWithoutActing) {
  Fault({{"verb", "patch"},
         {"resource", "deployments"},
         {"bodyContains", "rebound.io/last-heal"},
         {"type", "error"},
         {"count", 1000}});
  Post("firing");
  ASSERT_TRUE(WaitForHealPathEnd(*daemon_, "outcome:unhealed", seconds(60), kTarget)) << Failure();
  EXPECT_EQ(Path(),
            (std::vector<std::string>{"decision:matched", "action:restart:failed:mark_failed",
                                      "action:notify:done", "escalation:escalated:steps_exhausted",
                                      "outcome:unhealed"}))
      << Failure();
  EXPECT_TRUE(RestartedAt().empty());
  EXPECT_EQ(ReplicaSets().size(), 1u);
}

}  // namespace
}  // namespace rebound::testing::restart_test
