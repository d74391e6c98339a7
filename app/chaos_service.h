// ChaosService: the chaos half of `rebound run` (DESIGN.md section 7) — owns the chaos engine
// (controller/chaos/engine.h) over the clients healing built, a loop thread that asks the
// engine to start due runs (at the plan's wake-up time, when a run ends, on reload), and the
// engine's observer: the rebound_chaos_* metrics, a Kubernetes Event (reason ReboundChaos) on
// the target when the fault goes in and when the run ends, and one Slack summary per run; when
// a retry settles a restore a run owed, rebound_chaos_restore_owed goes down and an Event and a
// Slack line ("restored after N attempts") say so. It serves the chaos API:
//   GET  /api/v1/chaos                          experiments with schedule state, next time and
//                                               last run; runs in progress; recent runs
//   GET  /api/v1/chaos/runs/ID                  one run with its steps
//   POST /api/v1/chaos/experiments/NAME/run     run one now: 202 + id + Location, 404 unknown,
//                                               409 running, 423 paused (authenticated)
//   GET  /api/v1/coverage                       when chaos last proved each loaded playbook
// At Start the engine closes runs a previous process left unfinished (undoing their faults)
// and rebound_playbook_last_proven_timestamp_seconds and rebound_chaos_restore_owed are restored
// from the run log.
//
// Thread-safety: Start, Reload and Stop are called from the main thread; RunActiveOn and the
// handlers from any thread.
#pragma once

#include <prometheus/registry.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/healing_service.h"
#include "common/clock.h"
#include "common/http_server.h"
#include "common/random.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "controller/chaos/alert_source.h"
#include "controller/chaos/engine.h"
#include "controller/chaos/run_log.h"
#include "exporter/chaos_metrics.h"

namespace rebound::app {

class ChaosService {
 public:
  // `is_leader` says whether this replica schedules and runs chaos (always true until leader
  // election lands in the daemon).
  ChaosService(const Config& config, const common::Clock& clock, prometheus::Registry& registry,
               std::function<bool()> is_leader);
  ~ChaosService();  // Stop()

  // Opens the run log (state_dir/chaos.db), closes unfinished runs, restores the playbooks'
  // last-proven times and starts the loop, with the experiments and clients of `healing`
  // (started; it must outlive this service's Stop). Unavailable when the run log cannot be
  // opened or read.
  common::Status Start(HealingService& healing);
  // Takes the experiments healing loaded last (after its Reload succeeded).
  void Reload();
  // Stops the loop and every run in progress (each restores its fault, ends `aborted`), and
  // waits for them. Idempotent.
  void Stop();

  // Whether a run in progress works on `target` ("Deployment shop/web"); false before Start.
  bool RunActiveOn(const std::string& target) const;

  common::HttpResponse HandleList(const common::HttpRequest& request) const;
  // GET /api/v1/chaos/runs/ID (the route is the prefix /api/v1/chaos/runs/).
  common::HttpResponse HandleRun(const common::HttpRequest& request) const;
  // POST /api/v1/chaos/experiments/NAME/run (the route is the prefix /api/v1/chaos/experiments/).
  common::HttpResponse HandleTrigger(const common::HttpRequest& request);
  common::HttpResponse HandleCoverage(const common::HttpRequest& request) const;

 private:
  class Observer;

  void Loop();
  void Wake();
  void AddExperimentSeries(
      const std::vector<std::shared_ptr<const controller::chaos::Experiment>>& experiments);

  Config config_;
  const common::Clock& clock_;
  std::function<bool()> is_leader_;
  exporter::ChaosMetrics metrics_;
  common::RealSleeper sleeper_;
  common::SystemRandom random_;
  HealingService* healing_ = nullptr;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<controller::chaos::AlertSource> alerts_;
  std::unique_ptr<controller::chaos::RunLog> log_;
  // Set once in Start, before the loop and the HTTP server use it.
  std::unique_ptr<controller::chaos::ChaosEngine> engine_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread loop_;
};

}  // namespace rebound::app
