// A chaos run when what it relies on fails: a run log that cannot record the choice (nothing is
// injected), and a restore the Kubernetes API refuses (owed, retried until done).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "controller/chaos/engine.h"
#include "controller/chaos/runner.h"
#include "kube/resource.h"
#include "store/fault_vfs.h"
#include "tests/controller/chaos/run_fixture.h"

namespace rebound::controller::chaos {
namespace {

using std::chrono::seconds;

class RestoreTest : public RunFixture {
 protected:
  ~RestoreTest() override { log_.reset(); }  // before vfs_, which its connection uses

  // The next `n` scale updates fail as an API server that is away would.
  void FailScaleUpdates(int n) {
    kube_.FailNext(kube::Verb::kUpdate, "deployments/scale",
                   common::Unavailable("the API server is away"), n);
  }
  // A scale-down run that is not recovered by its deadline and whose restore is refused.
  ChaosRun RunOwingARestore() {
    sleeper_.on_sleep = [&](int n) {
      if (n == 1) FailScaleUpdates(1);  // after the injection: the restore's call
    };
    ChaosRun run = Execute(MakeExperiment(FaultType::kScaleDown));
    sleeper_.on_sleep = nullptr;
    return run;
  }

  // RetryRestores' count of restores still owed; -1 when it fails.
  int64_t StillOwed(Runner& runner) {
    common::Result<size_t> owed = runner.RetryRestores();
    EXPECT_TRUE(owed.ok()) << owed.status().ToString();
    return owed.ok() ? static_cast<int64_t>(*owed) : -1;
  }

  std::unique_ptr<store::FaultVfs> vfs_;
};

TEST_F(RestoreTest, AChoiceTheRunLogCannotHoldIsNotInjected) {
  auto vfs = store::FaultVfs::Register("chaos-run-log-fault-test");
  ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
  vfs_ = std::move(*vfs);
  log_.reset();
  auto log = RunLog::Open(dir_.path(), vfs_->name());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  log_ = std::move(*log);
  const auto before = store_.Snapshot();

  for (store::Fault fault : {store::Fault::kWriteError, store::Fault::kDiskFull}) {
    ChaosRun run;
    run.experiment = "web-scale-down";
    run.started_at = clock_.Now();
    auto id = log_->Begin(run);
    ASSERT_TRUE(id.ok());
    run.id = *id;
    vfs_->Inject(fault);
    const int64_t failures = vfs_->failures();
    run = Runner(Deps(), options_).Execute(run, MakeExperiment(FaultType::kScaleDown), {});
    vfs_->Inject(store::Fault::kNone);
    EXPECT_GT(vfs_->failures(), failures) << store::FaultName(fault);
    EXPECT_EQ(run.result, RunResult::kSkipped);
    EXPECT_EQ(run.reason, "the choice could not be written to the run log: nothing was injected");
    EXPECT_FALSE(run.injected_at.has_value());
    EXPECT_EQ(store_.Snapshot(), before) << store::FaultName(fault);
  }
}

TEST_F(RestoreTest, ARefusedRestoreIsOwedAndRetriedUntilItWorks) {
  ChaosRun run = RunOwingARestore();
  EXPECT_EQ(run.result, RunResult::kFailed);
  EXPECT_TRUE(run.restore_owed);
  EXPECT_FALSE(run.restored_by_chaos);
  EXPECT_EQ(Replicas(), 2);
  auto owed = log_->RestoreOwed();
  ASSERT_TRUE(owed.ok());
  ASSERT_EQ(owed->size(), 1u);
  EXPECT_EQ(owed->front().id, run.id);
  EXPECT_TRUE(log_->Unfinished()->empty());  // finished, but owing

  // No new run on the damaged target meanwhile.
  ChaosRun next = Execute(MakeExperiment(FaultType::kPodKill));
  EXPECT_EQ(next.result, RunResult::kSkipped);
  EXPECT_EQ(next.reason,
            "run " + std::to_string(run.id) + " still owes the restore of its fault on it");

  Runner runner(Deps(), options_);
  FailScaleUpdates(1);
  EXPECT_EQ(StillOwed(runner), 1);
  EXPECT_EQ(Replicas(), 2);
  EXPECT_TRUE(observer_.restored.empty());  // still owed: nothing to report
  EXPECT_EQ(log_->Get(run.id)->restore_attempts, 2);
  EXPECT_EQ(StillOwed(runner), 0);
  EXPECT_EQ(Replicas(), 3);
  auto stored = log_->Get(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->restore_owed);
  EXPECT_TRUE(stored->restored_by_chaos);
  EXPECT_EQ(stored->phase, RunPhase::kDone);
  EXPECT_EQ(stored->steps.back().message, "retried the restore: scaled back to 3 replicas");
  EXPECT_EQ(stored->restore_attempts, 3);  // at the deadline, and two retries
  EXPECT_TRUE(log_->RestoreOwed()->empty());
  // The observer hears of it once, with the run as the log has it.
  ASSERT_EQ(observer_.restored.size(), 1u);
  EXPECT_EQ(observer_.restored[0].id, run.id);
  EXPECT_TRUE(observer_.restored[0].restored_by_chaos);
  EXPECT_FALSE(observer_.restored[0].restore_owed);
  EXPECT_EQ(observer_.restored[0].restore_attempts, 3);
  EXPECT_EQ(StillOwed(runner), 0);
  EXPECT_EQ(observer_.restored.size(), 1u);
}

TEST_F(RestoreTest, AnOwedRestoreSomeoneElseMadeMootIsClosed) {
  ChaosRun run = RunOwingARestore();
  ASSERT_TRUE(run.restore_owed);
  nlohmann::json d = Get(kube::kDeployments, "shop", "web");
  d["spec"]["replicas"] = 4;  // a person scaled it meanwhile
  store_.Put(kube::kDeployments, d);
  Runner runner(Deps(), options_);
  EXPECT_EQ(StillOwed(runner), 0);
  EXPECT_EQ(Replicas(), 4);
  auto stored = log_->Get(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->restore_owed);
  EXPECT_FALSE(stored->restored_by_chaos);
  EXPECT_EQ(stored->steps.back().message,
            "retried the restore: replicas are 4, not the 2 chaos set: left as they are");
  ASSERT_EQ(observer_.restored.size(), 1u);
  EXPECT_FALSE(observer_.restored[0].restored_by_chaos);
  EXPECT_EQ(observer_.restored[0].restore_attempts, 2);
}

TEST_F(RestoreTest, TheEngineRetriesOwedRestoresAtStartAndWithBackoff) {
  RunOwingARestore();
  // Refused at the start-up retry and at the first two backoff retries.
  FailScaleUpdates(3);
  ChaosEngine::Options options;
  options.runner = options_;
  options.restore_retry_initial = seconds(10);
  options.restore_retry_max = seconds(15);
  const size_t sleeps_before = sleeper_.inner.sleeps().size();
  ChaosEngine engine(Deps(), options, {});
  ASSERT_TRUE(engine.Start().ok());
  const auto limit = std::chrono::steady_clock::now() + seconds(30);
  while (!log_->RestoreOwed()->empty() && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(log_->RestoreOwed()->empty());
  EXPECT_EQ(Replicas(), 3);
  engine.Stop();
  const auto sleeps = sleeper_.inner.sleeps();
  ASSERT_EQ(sleeps.size(), sleeps_before + 3);
  EXPECT_EQ(sleeps[sleeps_before], seconds(10));
  EXPECT_EQ(sleeps[sleeps_before + 1], seconds(15));  // doubled, bounded
  EXPECT_EQ(sleeps[sleeps_before + 2], seconds(15));
}

TEST_F(RestoreTest, StoppingTheEngineEndsItsRetries) {
  RunOwingARestore();
  kube_.FailAll(common::Unavailable("the API server is away"));
  sleeper_.inner.HoldUntilStopped(seconds(30));
  ChaosEngine::Options options;
  options.runner = options_;
  ChaosEngine engine(Deps(), options, {});
  ASSERT_TRUE(engine.Start().ok());
  const size_t sleeps = sleeper_.inner.sleeps().size();
  ASSERT_TRUE(sleeper_.inner.WaitForSleeps(sleeps + 1, seconds(10)));  // waiting to retry
  engine.Stop();  // returns: the wait ends on the stop request
  kube_.FailAll(std::nullopt);
  EXPECT_EQ(log_->RestoreOwed()->size(), 1u);
}

}  // namespace
}  // namespace rebound::controller::chaos
