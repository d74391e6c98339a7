// Runner: executes one chaos run from pre-flight to its result (DESIGN.md section 7.1,
// docs/experiments.md "A run"), blocking the calling thread, and undoes the faults of runs a
// previous process left unfinished.
//
//   1. Pre-flight (any "no" ends the run `skipped` with the reason): inside a window; kill
//      switch off; leader; the target exists (a selector's matches are picked among, randomly
//      from the run's seed or least-recently-proven from the run log), carries
//      `rebound.io/chaos: enabled`, is outside the protected namespaces, has no rollout in
//      progress and no remediation in progress; every steady-state query holds; no alert
//      matching abortIf.firingAlerts fires.
//   2. Inject: the choice (pods by name and uid, count, seed, previous replicas, node) is
//      written to the run log, the target re-read and its label and blast radius re-checked,
//      and only then the Kubernetes API is called. A dry run records the choice and stops.
//   3. Watch every poll_interval until recoverWithin after injection: recovered when every
//      steady-state query holds and the workload is ready. A newly firing abortIf alert, the
//      kill switch, or a stop request ends the run `aborted`.
//   4. Attribute: with expectHealing, `recovered` only when the heal log shows that playbook
//      acting (an action record with result "done") on the target after injection; else
//      `failed`, "recovered without the playbook". Not recovered by the deadline: `failed`.
//   5. Restore: at the deadline and on abort, chaos undoes its own fault (replicas back to
//      the recorded count, node uncordoned) unless the current state shows it is no longer
//      chaos's (healing or a person changed it since), and records that it had to.
// Every phase change and step is written to the run log and reported to the RunObserver.
//
// Thread-safety: Execute may run on several threads at once (one run each); the dependencies
// must allow that (KubeClient, PrometheusApi, RunLog and HealLog do).
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "controller/chaos/alert_source.h"
#include "controller/chaos/experiment.h"
#include "controller/chaos/run.h"
#include "controller/chaos/run_log.h"
#include "controller/healing/heal_log.h"
#include "controller/promql/prometheus_api.h"
#include "kube/kube_client.h"

namespace rebound::controller::chaos {

// The label a target must carry for chaos to touch it.
inline constexpr std::string_view kChaosLabel = "rebound.io/chaos";
inline constexpr std::string_view kChaosLabelEnabled = "enabled";

// What the daemon does with runs as they go: metrics, the Kubernetes Event, the Slack summary.
// Called on the run's thread, after the run log has the state shown; must not block for long
// and must be thread-safe (runs go in parallel).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // The run entered a new phase (also kRestore); `run` is its state then.
  virtual void OnPhase(const ChaosRun& run) = 0;
  // The run ended (run.phase == kDone, run.result set), also for skipped runs and for
  // unfinished runs closed at start-up.
  virtual void OnFinished(const ChaosRun& run) = 0;
};

// What the runner works with; every reference must outlive the Runner.
struct RunnerDeps {
  const common::Clock& clock;
  common::Sleeper& sleeper;
  common::RandomSource& random;  // one draw per run: its seed
  kube::KubeClient& kube;
  // Null without prometheus.url / alertmanager.url: a run of an experiment with steadyState /
  // abortIf is then skipped (its claim cannot be checked).
  promql::PrometheusApi* prometheus;
  AlertSource* alerts;
  RunLog& log;
  const healing::HealLog& heal_log;
  RunObserver& observer;
  // The kill switch (POST /api/v1/pause, guardrails.paused): true stops chaos too.
  std::function<bool()> paused;
  // Whether this replica leads (always true until leader election lands).
  std::function<bool()> is_leader;
  // Whether a remediation is working on the workload `target` ("Deployment shop/web", as
  // healing::Remediation::Snapshot::target); null: never.
  std::function<bool(const std::string& target)> remediation_active;
};

class Runner {
 public:
  struct Options {
    std::vector<std::string> protected_namespaces = {"kube-system"};  // guardrails.*
    std::chrono::milliseconds poll_interval = std::chrono::seconds(5);
  };

  Runner(RunnerDeps deps, Options options);

  // Runs `run` (recorded by RunLog::Begin, phase kPreflight, started_at set) of `experiment` to
  // its end and returns its final state, also written to the log and reported as finished. A
  // stop request during the watch ends it `aborted` after restoring the fault; during
  // pre-flight, `skipped`. Never fails: problems end the run with a reason (a run log write
  // that fails is logged, and the run goes on so that no fault is left behind).
  ChaosRun Execute(ChaosRun run, const Experiment& experiment, std::stop_token stop);

  // Closes every unfinished run in the log (a previous process stopped during it): undoes its
  // fault as at the deadline, and finishes it `aborted` with the reason "interrupted by a
  // restart". The daemon calls this once at start-up, before any new run. Returns how many
  // runs were closed; Unavailable when the log cannot be read.
  common::Result<size_t> CloseUnfinished();

 private:
  class Run;  // one execution (runner.cc and its parts)

  RunnerDeps deps_;
  Options options_;
};

}  // namespace rebound::controller::chaos
