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
constexpr char kFingerprint[] = "crash-web";

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

  void Post(const std::string& status) { PostAbout(status, pod_, kFingerprint); }
  // An alert about `pod` of the same Deployment, told apart by `fingerprint`.
  void PostAbout(const std::string& status, const std::string& pod,
                 const std::string& fingerprint) {
    daemon_->PostAlert(status,
                       {{"alertname", "PodCrashLooping"}, {"namespace", "shop"}, {"pod", pod}},
                       starts_at_, fingerprint);
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
  // The decision records (their results) about the episode with this fingerprint.
  std::vector<std::string> DecisionsOf(const std::string& fingerprint) {
    std::vector<std::string> out;
    for (const json& r : HealRecords(*daemon_)) {
      if (r["kind"] == "decision" && r.value("fingerprint", "") == fingerprint) {
        out.push_back(r["result"].get<std::string>());
      }
    }
    return out;
  }
  // The state of the episode with this fingerprint ("" when it is not listed).
  std::string EpisodeState(const std::string& fingerprint) {
    for (const json& e : daemon_->Episodes()) {
      if (e.value("fingerprint", "") == fingerprint) return e.value("state", "");
    }
    return "";
  }
  // How many alert episodes the running remediation of kTarget serves (-1: none runs).
  int RemediationEpisodes() {
    auto status = daemon_->Get("/api/v1/status");
    if (!status.ok() || status->status != 200) return -1;
    const json body = json::parse(status->body);
    for (const json& r : body["data"]["remediations"]) {
      if (r.value("target", "") == kTarget) return r.value("episodes", -1);
    }
    return -1;
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
  // Fires the alert and waits for its remediation to be verifying: it restarted the
  // Deployment, and the alert's pod is gone.
  void FireAndWaitForVerifying() {
    Post("firing");
    ASSERT_TRUE(WaitFor(
        [&] {
          std::vector<std::string> path = Path();
          return !path.empty() && path.back() == "action:restart:done";
        },
        seconds(30)))
        << Failure();
    ASSERT_TRUE(WaitForAlertPodGone());
  }
  // FireAndWaitForVerifying, then a second alert about the same Deployment, folded into that
  // remediation.
  void FoldASecondAlertWhileVerifying(const std::string& fingerprint) {
    ASSERT_NO_FATAL_FAILURE(FireAndWaitForVerifying());
    // A pod of the new ReplicaSet: one of the old one may be gone before the alert is handled.
    const std::string old_set = pod_.substr(0, pod_.rfind('-') + 1);
    ASSERT_TRUE(WaitFor(
        [&] {
          for (const std::string& pod : Pods()) {
            if (!pod.starts_with(old_set)) folded_pod_ = pod;
          }
          return !folded_pod_.empty();
        },
        seconds(30)))
        << Failure();
    PostAbout("firing", folded_pod_, fingerprint);
    ASSERT_TRUE(
        WaitFor([&] { return DecisionsOf(fingerprint) == std::vector<std::string>{"folded"}; },
                seconds(30)))
        << Failure();
    ASSERT_EQ(RemediationEpisodes(), 2) << Failure();
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
  std::string folded_pod_;  // the pod the second alert names (FoldASecondAlertWhileVerifying)
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
  ASSERT_NO_FATAL_FAILURE(FireAndWaitForVerifying());
  const std::string restarted = RestartedAt();
  Kill(SIGTERM);

  RestartAndExpectRestartedOnce();
  EXPECT_EQ(RestartedAt(), restarted);
  std::vector<std::string> path = Path();
  EXPECT_EQ(std::count(path.begin(), path.end(), "outcome:interrupted"), 1) << Failure();
  EXPECT_EQ(std::count(path.begin(), path.end(), "action:restart:noop"), 1) << Failure();
}

// A second alert about the Deployment is folded into the remediation while it verifies, then
// the daemon stops (SIGTERM, or SIGKILL). After the restart the folded episode is not decided
// again (one `folded` record, no `matched` or `refused`): it joins the resumed remediation,
// the Deployment is restarted once, and both episodes end with that remediation.
class RestartFoldedIntegrationTest : public RestartIntegrationTest,
                                     public ::testing::WithParamInterface<int> {};

TEST_P(RestartFoldedIntegrationTest, AFoldedAlertJoinsTheResumedRemediationAndIsNotDecidedAgain) {
  constexpr char kFolded[] = "crash-web-2";
  FoldASecondAlertWhileVerifying(kFolded);
  const std::string restarted = RestartedAt();
  ASSERT_FALSE(restarted.empty()) << Failure();
  Kill(GetParam());

  ASSERT_TRUE(daemon_->Start());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<std::string> path = Path();
        return std::count(path.begin(), path.end(), "decision:matched") >= 2 &&
               path.back() == "action:restart:noop";
      },
      seconds(30)))
      << Failure();
  EXPECT_TRUE(WaitFor([&] { return RemediationEpisodes() == 2; }, seconds(30)))
      << "the folded episode joined the resumed remediation" << Failure();
  EXPECT_EQ(EpisodeState(kFolded), "pending");
  Post("resolved");
  PostAbout("resolved", folded_pod_, kFolded);
  EXPECT_TRUE(WaitForHealPathEnd(*daemon_, "outcome:healed", seconds(60), kTarget)) << Failure();

  EXPECT_EQ(DecisionsOf(kFolded), std::vector<std::string>{"folded"}) << Failure();
  EXPECT_EQ(DecisionsOf(kFingerprint), (std::vector<std::string>{"matched", "matched"}))
      << Failure();
  EXPECT_EQ(RestartedAt(), restarted);
  EXPECT_EQ(ReplicaSets().size(), 2u) << "restarted exactly once";
  EXPECT_TRUE(WaitFor([&] { return daemon_->Episodes("?state=pending").empty(); }, seconds(10)));
  EXPECT_EQ(EpisodeState(kFingerprint), "closed");
  EXPECT_EQ(EpisodeState(kFolded), "closed");
}

INSTANTIATE_TEST_SUITE_P(Signals, RestartFoldedIntegrationTest, ::testing::Values(SIGTERM, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGTERM ? "Sigterm" : "Sigkill");
                         });

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
