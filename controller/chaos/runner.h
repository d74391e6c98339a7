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
//   2. Inject: the choice (pods by name and uid, count, seed, previous replicas or ready
//      pods, node) is written to the run log — a choice that cannot be written ends the run
//      `skipped` with nothing injected — the target re-read and its label and blast radius
//      re-checked, and only then the Kubernetes API is called. The blast radius: never the
//      last ready pod, and never cordon the last schedulable Ready node or the last node the
//      target's pods could be scheduled on, unless allowTotalOutage. A dry run records the
//      choice and stops.
//   3. Watch every poll_interval until recoverWithin after injection. Recovered needs the
//      fault's own recovery check, which the damaged state cannot pass — scale faults:
//      spec.replicas back to at least the recorded previous count and the workload ready
//      (ready = spec, observedGeneration current); pod-kill: none of the killed pods' uids
//      among the workload's pods and as many ready pods as before; cordon-node: the node
//      schedulable — and then every steady-state query holding at each poll for `settle`
//      (at least two polls), so that a sample scraped before the fault cannot verify the
//      recovery. The recovery time is that of the first poll of the streak; a streak begun by
//      the deadline may finish confirming after it. The first poll that sees the fault (the
//      steady state broken; without steadyState, the recovery check failing) is recorded; a
//      fault monitoring never saw gets a warning step. A newly firing abortIf alert, the kill
//      switch, or a stop request ends the run `aborted`.
//   4. Attribute: with expectHealing, `recovered` only when the heal log shows that playbook
//      acting (an action record with result "done") on the target after injection; else
//      `failed`, "recovered without the playbook". Not recovered by the deadline: `failed`.
//   5. Restore: at the deadline and on abort, chaos undoes its own fault (replicas back to
//      the recorded count, node uncordoned) unless the current state shows it is no longer
//      chaos's (healing or a person changed it since, or the target is gone), and records
//      that it had to. A restore the API refused leaves the run `restoreOwed`:
//      RetryRestores tries again (the engine calls it at start-up and with backoff), and
//      reports to the observer when a retry settles it.
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
  // A finished run owed the restore of its fault (ChaosRun::restore_owed) and a retry
  // (Runner::RetryRestores) settled it: chaos undid the fault (run.restored_by_chaos), or found
  // it no longer chaos's to undo (the target gone, or changed by someone else since). The run
  // log has it no longer owed; the run's last step says which, run.restore_attempts how many
  // tries it took.
  virtual void OnRestored(const ChaosRun& run) = 0;
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
    // How long every steady-state query must keep holding, once the fault's recovery check
    // passes, for the run to count as recovered (step 3). At least the scrape interval of the
    // steadyState series plus the rule evaluation interval of recording rules they use.
    std::chrono::milliseconds settle = std::chrono::seconds(30);
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

  // Tries again every restore still owed (RunLog::RestoreOwed): a restore that now works is
  // recorded as done, one whose target is gone or was changed by someone else as such, and
  // one the API refuses again stays owed. Returns how many are still owed (those not tried
  // because of a stop request included); Unavailable when the log cannot be read.
  common::Result<size_t> RetryRestores(std::stop_token stop = {});

 private:
  class Run;  // one execution (runner.cc and its parts)

  RunnerDeps deps_;
  Options options_;
};

}  // namespace rebound::controller::chaos
