// Healer: turns accepted alert episodes into remediations (DESIGN.md section 4).
//
// For each firing episode handed over by the intake worker it finds the playbooks that match
// (PlaybookIndex), resolves each playbook's target, and then, under the per-target lock:
//   - folds the episode into the remediation already running on that target, if any (one
//     remediation per target at a time), or
//   - asks the guardrails whether a remediation may start, and records the refusal if not,
//   - for a playbook with an anomaly gate (spec.when.anomaly), asks the gate, which reads the
//     target's signals from Prometheus (outside the lock), and records a refusal (reason
//     "anomaly", with the score) unless it passes, or
//   - starts a Remediation.
// Every decision is recorded (heal log, logs, metrics; refusals also on Slack). An episode no
// playbook matches is recorded as such and set aside (state "handled"). When the target cannot
// be read because the API is unavailable, resolution is retried while the alert fires, a
// bounded number of times.
//
// Episodes are handled on their own threads, at most `max_concurrent` at once (the rest wait
// in order). Stop() interrupts running remediations; their episodes stay pending in the
// journal and are resumed at the next start.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "controller/anomaly/gate.h"
#include "controller/healing/remediation.h"
#include "controller/playbook/playbook_index.h"

namespace rebound::controller::healing {

class Healer {
 public:
  struct Options {
    size_t max_concurrent = 32;
    int resolve_attempts = 10;  // reads of an unavailable target, poll_interval apart
    // Handle each episode on the caller's thread, before Submit returns (tests, replay).
    bool synchronous = false;
    // What anomaly gates use when their playbook does not say (rebound.yaml `anomaly:`): the
    // query_range step of the signals, and the decision when no score can be had.
    std::chrono::milliseconds anomaly_step = std::chrono::seconds(30);
    anomaly::OnMissingData anomaly_on_missing_data = anomaly::OnMissingData::kSkip;
  };

  Healer(HealingDeps& deps, std::shared_ptr<const playbook::PlaybookIndex> playbooks,
         Options options);
  ~Healer();  // Stop()

  // Hands over a firing episode. Closed episodes are ignored.
  void Submit(const intake::Episode& episode);
  // Replaces the playbooks (a reload); running remediations keep the ones they started with.
  void SetPlaybooks(std::shared_ptr<const playbook::PlaybookIndex> playbooks);
  std::shared_ptr<const playbook::PlaybookIndex> playbooks() const;

  // Tells running remediations to stop and drops the queue, without waiting: what the
  // remediations use may then be stopped too (their API clients), and Stop() waits.
  void RequestStop();
  // RequestStop(), then waits for every thread.
  void Stop();
  // Blocks until nothing is queued and at most `running` episodes are being handled (tests).
  void WaitIdle(size_t running = 0);

  // The remediations running now.
  std::vector<Remediation::Snapshot> Active() const;
  size_t queued() const;

 private:
  struct Task {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void Handle(const intake::Episode& episode, std::stop_token stop);
  void HandleWithPlaybook(const intake::Episode& episode,
                          const std::shared_ptr<const playbook::Playbook>& playbook,
                          std::stop_token stop);
  // The workload `playbook` is to work on for `episode`: the one its remediation resolved
  // before a restart (ResolvedBeforeRestart), else the one the alert names now.
  common::Result<ResolvedTarget> Resolve(const intake::Episode& episode,
                                         const playbook::Playbook& playbook,
                                         std::stop_token stop);
  // For an episode taken up before a restart: the workload its remediation resolved then, from
  // the heal log; nullopt when none was resolved (or it cannot be read).
  std::optional<actions::Target> ResolvedBeforeRestart(const intake::Episode& episode,
                                                       const playbook::Playbook& playbook);
  // The anomaly gate of `playbook` (which has one) for `episode` on `target`. Failure:
  // InvalidArgument when a signal's template cannot be filled from the alert.
  common::Result<anomaly::GateDecision> CheckAnomalyGate(const intake::Episode& episode,
                                                         const playbook::Playbook& playbook,
                                                         const actions::Target& target) const;
  void Decide(const intake::Episode& episode, const std::string& playbook,
              const std::string& target, DecisionResult result, std::string reason,
              std::string message);
  // Records and announces that `playbook` will not act for `episode`, which is then handled.
  void Refuse(const intake::Episode& episode, const std::string& playbook,
              const actions::Target* target, std::string reason, std::string message);
  void StartQueuedLocked();

  HealingDeps& deps_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::shared_ptr<const playbook::PlaybookIndex> playbooks_;
  std::map<std::string, std::shared_ptr<Remediation>> active_;  // by target
  std::deque<intake::Episode> queue_;
  std::list<Task> tasks_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace rebound::controller::healing
