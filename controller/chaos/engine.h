// ChaosEngine: owns the chaos runs of the daemon — the Scheduler, the runs in progress (each on
// a thread of its own, executed by the Runner) and the decisions of a manual trigger — so that
// the daemon's loop, HTTP API and CLI stay thin (DESIGN.md sections 7.1 and 7.2).
//
// Use: construct, call Start() once (closes runs a previous process left unfinished, retries
// the restores earlier runs still owe, and reads when each experiment last started), then call
// Tick() from the loop at SchedulePlan::wake_at
// and whenever the RunObserver reports a finished run or the experiments change; Trigger()
// from POST /api/v1/chaos/experiments/NAME/run. Stop() (or the destructor) stops the runs in
// progress, each restoring its fault, and waits for them.
//
// A restore the Kubernetes API refused (ChaosRun::restore_owed) is retried by a thread of the
// engine, with a backoff doubling from restore_retry_initial to restore_retry_max, until none
// is owed; Stop() ends it. Retention of the run log: the daemon calls RunLog::DeleteBefore.
//
// Manual runs go through the same pre-flight as scheduled ones and count against
// chaos.max_concurrent: a trigger beyond it starts a run that ends `skipped` with that reason.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "controller/chaos/experiment.h"
#include "controller/chaos/run.h"
#include "controller/chaos/runner.h"
#include "controller/chaos/scheduler.h"

namespace rebound::controller::chaos {

// What a manual trigger did.
enum class TriggerOutcome {
  kStarted,            // a run started; TriggerResult::run_id (HTTP 202)
  kUnknownExperiment,  // no loaded experiment has that name (404)
  kAlreadyRunning,     // a run of it is in progress; TriggerResult::run_id is that run (409)
  kPaused,             // the kill switch is on (423)
  kUnavailable,        // the run log could not record the run (503)
};
// "started", "unknown_experiment", "already_running", "paused", "unavailable".
std::string_view TriggerOutcomeName(TriggerOutcome outcome);

struct TriggerResult {
  TriggerOutcome outcome = TriggerOutcome::kStarted;
  int64_t run_id = 0;   // kStarted: the new run; kAlreadyRunning: the running one; else 0
  std::string message;  // for people (the API's error text)
};

class ChaosEngine {
 public:
  struct Options {
    int max_concurrent = 1;  // rebound.yaml chaos.max_concurrent
    Runner::Options runner;
    // The backoff of the retries of owed restores (Runner::RetryRestores).
    std::chrono::milliseconds restore_retry_initial = std::chrono::seconds(10);
    std::chrono::milliseconds restore_retry_max = std::chrono::minutes(5);
  };

  // `deps` as for the Runner; its clock and random source also drive the Scheduler.
  ChaosEngine(RunnerDeps deps, Options options,
              std::vector<std::shared_ptr<const Experiment>> experiments);
  ~ChaosEngine();  // Stop()

  // Closes unfinished runs (Runner::CloseUnfinished), retries the owed restores once
  // (Runner::RetryRestores; those still owed go on with backoff) and reads the last starts
  // from the run log. Call once, before Tick or Trigger. Unavailable when the log cannot be
  // read.
  common::Status Start();

  // Replaces the experiments (a reload). Runs in progress go on with the experiment they
  // started with.
  void SetExperiments(std::vector<std::shared_ptr<const Experiment>> experiments);
  std::vector<std::shared_ptr<const Experiment>> experiments() const;

  // Plans at clock.Now() and starts the due runs (each recorded before it starts). Returns the
  // plan: when to call again (wake_at) and each experiment's state, for `rebound chaos list`.
  SchedulePlan Tick();
  // The plan at clock.Now() without starting anything (GET /api/v1/chaos).
  SchedulePlan Preview();

  // Starts a run of `name` now. See TriggerOutcome.
  TriggerResult Trigger(std::string_view name);

  // The runs in progress (snapshots as last written to the run log), oldest first.
  std::vector<ChaosRun> Active() const;
  // Whether a run in progress works on `target` ("Deployment shop/web", "Node n1": a run's
  // RunTarget::ToString()): the healer marks its Slack messages about it as a drill.
  bool RunActiveOn(std::string_view target) const;

  // Blocks until no run is in progress (tests, `rebound chaos run` against a daemon).
  void WaitIdle() const;
  // Asks every run in progress to stop (each restores its fault and ends `aborted`) and waits
  // for them, and ends the retries of owed restores. Tick and Trigger start nothing afterwards.
  void Stop();

 private:
  class Observer;  // forwards to the daemon's observer and keeps Active() current
  struct Running {
    ChaosRun run;
    std::jthread thread;
  };

  // Records `run` as begun and starts its thread. Holds mu_.
  common::Result<int64_t> StartLocked(ChaosRun run, std::shared_ptr<const Experiment> experiment);
  std::map<std::string, RunState> RunStatesLocked() const;
  // Takes the threads of ended runs (each has reported its end and is at most returning from
  // Execute); nothing when called from a run's thread. They are joined after mu_ is released:
  // a run's thread may still need mu_ on its way out (an observer calling Tick or Trigger from
  // OnFinished).
  std::vector<std::jthread> TakeFinishedLocked();
  static void Join(std::vector<std::jthread> ended);
  void Finished(const ChaosRun& run);
  void Updated(const ChaosRun& run);
  // The restorer thread: while a restore is owed, retries with backoff.
  void RestoreLoop(std::stop_token stop);

  RunnerDeps deps_;
  Options options_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<Runner> runner_;
  common::RandomSource& random_;

  mutable std::mutex mu_;
  mutable std::condition_variable idle_;
  bool stopped_ = false;
  std::vector<std::shared_ptr<const Experiment>> experiments_;
  std::map<std::string, std::chrono::system_clock::time_point> last_started_;
  std::map<int64_t, Running> running_;  // by run id
  std::vector<std::jthread> finished_;  // threads of ended runs, see TakeFinishedLocked
  std::unique_ptr<Scheduler> scheduler_;
  std::condition_variable_any restore_wake_;
  bool restores_owed_ = false;  // the restorer has work
  uint64_t owed_notices_ = 0;   // runs that finished owing a restore, ever
  std::jthread restorer_;       // started by Start
};

}  // namespace rebound::controller::chaos
