#include "controller/healing/workload_state.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace rebound::controller::healing {
namespace {

using std::chrono::seconds;
using Json = nlohmann::json;

// 2026-01-01T00:10:00Z: a round instant for condition timestamps.
const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::minutes(10);

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(t));
}

// A Deployment of `replicas`, rolled out, every replica updated, ready and available.
Json ReadyDeployment(int replicas) {
  Json d;
  d["kind"] = "Deployment";
  d["metadata"] = {{"name", "web"}, {"namespace", "shop"}, {"generation", 2}};
  d["spec"]["replicas"] = replicas;
  d["status"] = {{"observedGeneration", 2},
                 {"replicas", replicas},
                 {"updatedReplicas", replicas},
                 {"readyReplicas", replicas},
                 {"availableReplicas", replicas}};
  return d;
}

Json ReadyStatefulSet(int replicas) {
  Json s;
  s["kind"] = "StatefulSet";
  s["metadata"] = {{"name", "db"}, {"namespace", "shop"}, {"generation", 3}};
  s["spec"]["replicas"] = replicas;
  s["status"] = {{"observedGeneration", 3},
                 {"replicas", replicas},
                 {"readyReplicas", replicas},
                 {"currentRevision", "db-7f9c"},
                 {"updateRevision", "db-7f9c"}};
  return s;
}

// The Progressing condition of a Deployment rolling out a new ReplicaSet, last progress at
// `updated`.
Json Rolling(Json d, std::chrono::system_clock::time_point updated,
             const std::string& reason = "ReplicaSetUpdated") {
  Json condition = {{"type", "Progressing"},
                    {"status", "True"},
                    {"reason", reason},
                    {"message", "ReplicaSet \"web-5d4f\" is progressing."},
                    {"lastUpdateTime", Rfc3339(updated)}};
  d["status"]["conditions"] = Json::array({{{"type", "Available"}, {"status", "True"}}, condition});
  return d;
}

std::string WhyNotReady(const Json& workload) {
  std::string why = "(untouched)";
  return WorkloadReady(workload, &why) ? "ready" : why;
}

HealMark Mark(const std::string& remediation) {
  HealMark mark;
  mark.remediation = remediation;
  mark.playbook = "crashloop";
  mark.step = 1;
  mark.action = "rollback";
  mark.at = kNow + std::chrono::milliseconds(653) + std::chrono::nanoseconds(17);
  return mark;
}

Json WithMark(Json workload, const HealMark& mark) {
  workload.merge_patch(HealMarkPatch(mark));
  return workload;
}

Json WithAnnotation(Json workload, Json value) {
  workload["metadata"]["annotations"][std::string(kLastHealAnnotation)] = std::move(value);
  return workload;
}

TEST(WorkloadReadyTest, RolledOutDeploymentIsReady) {
  std::string why = "(untouched)";
  EXPECT_TRUE(WorkloadReady(ReadyDeployment(3), &why));
  EXPECT_EQ(why, "(untouched)");
  EXPECT_TRUE(WorkloadReady(ReadyDeployment(3), nullptr));
}

TEST(WorkloadReadyTest, DeploymentNotYetObserved) {
  Json d = ReadyDeployment(3);
  d["metadata"]["generation"] = 3;
  EXPECT_EQ(WhyNotReady(d),
            "the controller has not seen the latest change yet (generation 3, observed 2)");
  EXPECT_FALSE(WorkloadReady(d, nullptr));
}

TEST(WorkloadReadyTest, DeploymentWithReplicasNotUpdated) {
  Json d = ReadyDeployment(3);
  d["status"]["updatedReplicas"] = 2;
  EXPECT_EQ(WhyNotReady(d), "2 of 3 replicas updated");
}

TEST(WorkloadReadyTest, DeploymentWithReplicasNotAvailable) {
  Json d = ReadyDeployment(3);
  d["status"]["availableReplicas"] = 1;
  EXPECT_EQ(WhyNotReady(d), "1 of 3 replicas available");
}

TEST(WorkloadReadyTest, DeploymentWithReplicasNotReady) {
  Json d = ReadyDeployment(3);
  d["status"].erase("readyReplicas");  // the API server omits zero counts
  EXPECT_EQ(WhyNotReady(d), "0 of 3 replicas ready");
}

TEST(WorkloadReadyTest, DeploymentWithOldReplicasLeft) {
  Json d = ReadyDeployment(3);
  d["status"]["replicas"] = 5;
  EXPECT_EQ(WhyNotReady(d), "2 old replica(s) still terminating");
}

TEST(WorkloadReadyTest, DeploymentWithoutStatusIsNotReady) {
  Json d = ReadyDeployment(3);
  d.erase("status");
  EXPECT_EQ(WhyNotReady(d),
            "the controller has not seen the latest change yet (generation 2, observed 0)");
}

TEST(WorkloadReadyTest, ReplicasDefaultToOne) {
  Json d = ReadyDeployment(1);
  d["spec"].erase("replicas");
  EXPECT_EQ(WhyNotReady(d), "ready");
  d["status"]["readyReplicas"] = 0;
  EXPECT_EQ(WhyNotReady(d), "0 of 1 replicas ready");
}

TEST(WorkloadReadyTest, DeploymentScaledToZeroIsReady) {
  Json d = ReadyDeployment(0);
  d["status"] = {{"observedGeneration", 2}};
  EXPECT_EQ(WhyNotReady(d), "ready");
}

TEST(WorkloadReadyTest, RolledOutStatefulSetIsReady) {
  // StatefulSets report no updated or available counts before every pod is on the revision.
  EXPECT_EQ(WhyNotReady(ReadyStatefulSet(3)), "ready");
}

TEST(WorkloadReadyTest, StatefulSetRollingToANewRevision) {
  Json s = ReadyStatefulSet(3);
  s["status"]["updateRevision"] = "db-8a1b";
  EXPECT_EQ(WhyNotReady(s), "rollout in progress (revision db-7f9c to db-8a1b)");
}

TEST(WorkloadReadyTest, StatefulSetNotObservedNotReadyOrShrinking) {
  Json unobserved = ReadyStatefulSet(3);
  unobserved["status"]["observedGeneration"] = 2;
  EXPECT_EQ(WhyNotReady(unobserved),
            "the controller has not seen the latest change yet (generation 3, observed 2)");

  Json not_ready = ReadyStatefulSet(3);
  not_ready["status"]["readyReplicas"] = 2;
  EXPECT_EQ(WhyNotReady(not_ready), "2 of 3 replicas ready");

  Json shrinking = ReadyStatefulSet(3);
  shrinking["status"]["replicas"] = 4;
  EXPECT_EQ(WhyNotReady(shrinking), "1 old replica(s) still terminating");
}

TEST(HealMarkTest, RoundTripsThroughTheAnnotation) {
  const HealMark mark = Mark("f1@2026-01-01T00:08:00Z");
  Json patch = HealMarkPatch(mark);
  ASSERT_TRUE(patch["metadata"]["annotations"][std::string(kLastHealAnnotation)].is_string());

  std::optional<HealMark> read = ReadHealMark(WithMark(ReadyDeployment(1), mark));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->remediation, mark.remediation);
  EXPECT_EQ(read->playbook, "crashloop");
  EXPECT_EQ(read->step, 1);
  EXPECT_EQ(read->action, "rollback");
  EXPECT_EQ(read->at, mark.at);
}

TEST(HealMarkTest, PatchLeavesOtherAnnotationsAlone) {
  Json d = ReadyDeployment(1);
  d["metadata"]["annotations"]["team"] = "payments";
  Json marked = WithMark(d, Mark("f1@x"));
  EXPECT_EQ(marked["metadata"]["annotations"]["team"], "payments");
  EXPECT_TRUE(ReadHealMark(marked).has_value());
}

TEST(HealMarkTest, AbsentOrUnreadableMarksAreIgnored) {
  const Json d = ReadyDeployment(1);
  EXPECT_FALSE(ReadHealMark(d).has_value());
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, "")).has_value());
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, "{not json")).has_value());
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, "[1, 2]")).has_value());
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, "\"a string\"")).has_value());
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, 42)).has_value());  // not even a string

  Json mark = Mark("f1@x").ToJson();
  Json no_remediation = mark;
  no_remediation.erase("remediation");
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, no_remediation.dump())).has_value());
  Json bad_time = mark;
  bad_time["at"] = "yesterday";
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, bad_time.dump())).has_value());
  Json numeric_time = mark;
  numeric_time["at"] = 1767225600;
  EXPECT_FALSE(ReadHealMark(WithAnnotation(d, numeric_time.dump())).has_value());
  Json wrong_types = mark;
  wrong_types["step"] = "two";
  wrong_types["playbook"] = 7;
  std::optional<HealMark> lenient = ReadHealMark(WithAnnotation(d, wrong_types.dump()));
  ASSERT_TRUE(lenient.has_value());  // the remediation and time are what matter
  EXPECT_EQ(lenient->step, -1);
  EXPECT_EQ(lenient->playbook, "");
}

TEST(RolloutByOthersTest, ProgressingRolloutWithinTheDeadline) {
  Json d = Rolling(ReadyDeployment(3), kNow - seconds(60));
  std::string why;
  EXPECT_TRUE(RolloutByOthersInProgress(d, "f1@x", kNow, &why));
  EXPECT_EQ(why,
            "a rollout is in progress (ReplicaSet \"web-5d4f\" is progressing.); it has until "
            "600s without progress before Rebound acts");
  EXPECT_TRUE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
}

TEST(RolloutByOthersTest, EveryRollingReasonCounts) {
  for (const std::string reason :
       {"ReplicaSetUpdated", "NewReplicaSetCreated", "FoundNewReplicaSet"}) {
    EXPECT_TRUE(
        RolloutByOthersInProgress(Rolling(ReadyDeployment(3), kNow, reason), "f1@x", kNow, nullptr))
        << reason;
  }
}

TEST(RolloutByOthersTest, StuckBeyondTheDefaultDeadline) {
  EXPECT_TRUE(RolloutByOthersInProgress(Rolling(ReadyDeployment(3), kNow - seconds(599)), "f1@x",
                                        kNow, nullptr));
  EXPECT_FALSE(RolloutByOthersInProgress(Rolling(ReadyDeployment(3), kNow - seconds(600)), "f1@x",
                                         kNow, nullptr));
}

TEST(RolloutByOthersTest, StuckBeyondProgressDeadlineSeconds) {
  Json d = ReadyDeployment(3);
  d["spec"]["progressDeadlineSeconds"] = 120;
  std::string why;
  EXPECT_TRUE(RolloutByOthersInProgress(Rolling(d, kNow - seconds(119)), "f1@x", kNow, &why));
  EXPECT_NE(why.find("until 120s"), std::string::npos) << why;
  EXPECT_FALSE(RolloutByOthersInProgress(Rolling(d, kNow - seconds(120)), "f1@x", kNow, nullptr));
}

TEST(RolloutByOthersTest, FinishedOrFailedRolloutsAreNotInProgress) {
  EXPECT_FALSE(RolloutByOthersInProgress(
      Rolling(ReadyDeployment(3), kNow, "NewReplicaSetAvailable"), "f1@x", kNow, nullptr));
  Json failed = Rolling(ReadyDeployment(3), kNow, "ProgressDeadlineExceeded");
  failed["status"]["conditions"][1]["status"] = "False";
  EXPECT_FALSE(RolloutByOthersInProgress(failed, "f1@x", kNow, nullptr));
}

TEST(RolloutByOthersTest, OurOwnRolloutIsNotSomeoneElses) {
  Json d = WithMark(Rolling(ReadyDeployment(3), kNow), Mark("f1@x"));
  EXPECT_FALSE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
  // Another remediation's mark is someone else's rollout.
  EXPECT_TRUE(RolloutByOthersInProgress(d, "f2@y", kNow, nullptr));
}

TEST(RolloutByOthersTest, StatefulSetRevisions) {
  Json s = ReadyStatefulSet(3);
  EXPECT_FALSE(RolloutByOthersInProgress(s, "f1@x", kNow, nullptr));

  s["status"]["updateRevision"] = "db-8a1b";
  std::string why;
  EXPECT_TRUE(RolloutByOthersInProgress(s, "f1@x", kNow, &why));
  EXPECT_EQ(why, "a rollout to revision db-8a1b is in progress");
  EXPECT_FALSE(RolloutByOthersInProgress(WithMark(s, Mark("f1@x")), "f1@x", kNow, nullptr));

  s["status"].erase("updateRevision");  // not reported yet
  EXPECT_FALSE(RolloutByOthersInProgress(s, "f1@x", kNow, nullptr));
}

TEST(RolloutByOthersTest, NoConditionsNoRollout) {
  Json d = ReadyDeployment(3);
  EXPECT_FALSE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
  d["status"]["conditions"] = Json::array();
  EXPECT_FALSE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
  d["status"]["conditions"] = "garbage";
  EXPECT_FALSE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
  d["status"]["conditions"] = Json::array({"garbage", 7});
  EXPECT_FALSE(RolloutByOthersInProgress(d, "f1@x", kNow, nullptr));
}

}  // namespace
}  // namespace rebound::controller::healing
