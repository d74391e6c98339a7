#include "controller/chaos/run_log.h"

#include <gtest/gtest.h>

#include "controller/chaos/alert_source.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/support/process.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class RunLogTest : public ::testing::Test {
 protected:
  RunLogTest() {
    auto log = RunLog::Open(dir_.path());
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (log.ok()) log_ = std::move(*log);
  }
  ChaosRun Recovered(const std::string& experiment, const std::string& playbook,
                     std::chrono::system_clock::time_point at, seconds recovery) {
    ChaosRun run;
    run.experiment = experiment;
    run.started_at = at - recovery;
    run.expect_healing = playbook;
    run.target = {TargetKind::kDeployment, "shop", experiment};
    run.injected_at = at - recovery;
    run.recovered_at = at;
    run.result = RunResult::kRecovered;
    run.Step(at, RunPhase::kDone, "recovered");
    return run;
  }

  testing::FakeClock clock_;
  testing::TempDir dir_;
  std::unique_ptr<RunLog> log_;
};

TEST_F(RunLogTest, RunRoundTripsThroughTheLog) {
  ChaosRun run;
  run.experiment = "web-kill";
  run.trigger = RunTrigger::kScheduled;
  run.slot = clock_.Now();
  run.started_at = clock_.Now();
  run.target = {TargetKind::kStatefulSet, "shop", "db"};
  FaultChoice fault;
  fault.type = FaultType::kPodKill;
  fault.seed = 18446744073709551615ull;  // JSON numbers would lose it
  fault.count = 1;
  fault.pods = {{"db-0", "uid-1"}};
  run.fault = fault;
  run.Step(clock_.Now(), RunPhase::kInject, "chose");
  auto id = log_->Begin(run);
  ASSERT_TRUE(id.ok());
  run.id = *id;
  auto back = log_->Get(*id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(RunToJson(*back), RunToJson(run));
  EXPECT_EQ(back->fault->seed, fault.seed);
  EXPECT_EQ(log_->Unfinished()->size(), 1u);

  run.Step(clock_.Now(), RunPhase::kDone, "aborted");
  run.result = RunResult::kAborted;
  ASSERT_TRUE(log_->Update(run).ok());
  EXPECT_TRUE(log_->Unfinished()->empty());
  EXPECT_EQ(log_->Get(*id)->result, RunResult::kAborted);
  run.id = 999;
  EXPECT_EQ(log_->Update(run).code(), common::StatusCode::kNotFound);
  EXPECT_EQ(log_->Get(999).status().code(), common::StatusCode::kNotFound);
}

TEST_F(RunLogTest, ProofsStartsPagesAndRetention) {
  const auto t0 = clock_.Now();
  ASSERT_TRUE(log_->Begin(Recovered("a", "restore", t0, seconds(30))).ok());
  ASSERT_TRUE(log_->Begin(Recovered("b", "restore", t0 + hours(1), seconds(12))).ok());
  ChaosRun failed = Recovered("c", "other", t0 + hours(2), seconds(1));
  failed.result = RunResult::kFailed;
  ASSERT_TRUE(log_->Begin(failed).ok());
  ChaosRun open;
  open.experiment = "a";
  open.started_at = t0 + hours(3);
  ASSERT_TRUE(log_->Begin(open).ok());

  auto proofs = log_->LastProofs();
  ASSERT_TRUE(proofs.ok());
  ASSERT_EQ(proofs->size(), 1u);  // "other" was never proven
  EXPECT_EQ(proofs->at("restore").at, t0 + hours(1));
  EXPECT_EQ(proofs->at("restore").recovery, seconds(12));

  auto by_target = log_->LastRecoveredByTarget("restore", "");
  ASSERT_TRUE(by_target.ok());
  EXPECT_EQ(by_target->size(), 2u);
  EXPECT_EQ(by_target->at("Deployment shop/a"), t0);

  auto starts = log_->LastStarts();
  ASSERT_TRUE(starts.ok());
  EXPECT_EQ(starts->at("a"), t0 + hours(3));

  auto page = log_->Recent(2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, 4);
  auto next = log_->Recent(2, "", page->back().id);
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ(next->back().id, 1);
  EXPECT_EQ(log_->Recent(10, "a")->size(), 2u);

  // Retention drops finished runs, never an unfinished one.
  auto deleted = log_->DeleteBefore(t0 + hours(10));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 3u);
  EXPECT_EQ(log_->Unfinished()->size(), 1u);
}

TEST(AlertmanagerAlertsTest, ReadsFiringAlertsAndMatchesAbortIf) {
  testing::FakeHttpClient http;
  http.Push(200, R"([{"labels": {"alertname": "Down", "severity": "critical"},
                      "status": {"state": "active"}},
                     {"labels": {"alertname": "Old"}, "status": {"state": "suppressed"}}])");
  AlertmanagerAlerts alerts(http, "http://am:9093/", std::chrono::seconds(3));
  auto firing = alerts.Firing();
  ASSERT_TRUE(firing.ok()) << firing.status().ToString();
  ASSERT_EQ(firing->size(), 1u);
  EXPECT_EQ(http.last().url,
            "http://am:9093/api/v2/alerts?active=true&silenced=false&inhibited=false");
  EXPECT_EQ(http.last().timeout, std::chrono::seconds(3));
  const std::vector<common::Matchers> abort_if = {*common::Matchers::Parse("severity=critical")};
  ASSERT_NE(FirstMatching(*firing, abort_if), nullptr);
  EXPECT_EQ(FirstMatching(*firing, {*common::Matchers::Parse("severity=warning")}), nullptr);

  http.Push(503, "down");
  EXPECT_EQ(alerts.Firing().status().code(), common::StatusCode::kUnavailable);
  http.Push(200, "{}");
  EXPECT_EQ(alerts.Firing().status().code(), common::StatusCode::kInternal);
}

}  // namespace
}  // namespace rebound::controller::chaos
