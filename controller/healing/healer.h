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
// Every decision is recorded (heal log, logs, metrics; refusals also on Slack), and carried
// out only once it is recorded: a heal-log write that fails (a full disk) is retried, poll_interval
// apart and backing off to kMaxRecordBackoff, until it succeeds or the healer stops; nothing
// acts, notifies or sets the episode handled meanwhile, so an episode is decided once, and one
// whose decision was never recorded did nothing and stays pending (decided at the next start).
//
// An episode folded into a running remediation ends with it, across restarts too: its
// "folded" record names the remediation (by its first episode). Resumed after a restart, such
// an episode is not decided again: it joins that remediation when it resumes (or at once when
// it runs already), and is set handled when that one's episode is, whatever ended it; if that
// remediation had finished, the heal log says the folded episode is settled. Playbooks are
// matched when episodes are handed over: those no playbook matches are recorded as such and set
// aside (state "handled") at once, a whole hand-over in one heal-log transaction and one journal
// commit, so that a flood of alerts nothing heals stays cheap. When the target cannot be read
// because the API is unavailable, resolution is retried while the alert fires, a bounded
// number of times.
//
// Matched episodes are handled on their own threads, at most `max_concurrent` at once. The rest
// wait in a FairQueue keyed by playbook and target (the target as its templates render from the
// alert's labels): the keys take turns, so a flood for one target cannot starve another's
// alert. At most `max_waiting` episodes, and at most `max_waiting_bytes` of them
// (intake::ApproximateSize; one larger episode waits alone), wait: beyond that Submit blocks
// until one starts, which is the backpressure that fills the intake queue in front of the healer
// and makes the webhook answer 503. Stop() interrupts running remediations; their episodes, and
// those still waiting, stay pending in the journal and are resumed at the next start.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "controller/anomaly/gate.h"
#include "controller/healing/fair_queue.h"
#include "controller/healing/remediation.h"
#include "controller/healing/target_states.h"
#include "controller/playbook/playbook_index.h"

namespace rebound::controller::healing {

class Healer {
 public:
  struct Options {
    size_t max_concurrent = 32;
    size_t max_waiting = 256;  // matched episodes waiting for a thread; Submit blocks beyond
    size_t max_waiting_bytes = size_t{16} << 20;  // and their bytes (intake::ApproximateSize)
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

  // Hands over firing episodes (closed ones are ignored), in the way the header comment says.
  // Blocks while there is no room among the waiting episodes (max_waiting, max_waiting_bytes);
  // returns false, leaving the rest of
  // `episodes` pending in the journal, once `stop` is requested or the healer stops.
  bool Submit(const std::vector<intake::Episode>& episodes, std::stop_token stop = {});
  bool Submit(const intake::Episode& episode) {
    return Submit(std::vector<intake::Episode>{episode});
  }
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
  // Matched episodes waiting for a thread (at most max_waiting), and their bytes.
  size_t queued() const;
  size_t queued_bytes() const;
  // The targets that are not healthy now (TargetStates::Current): an escalation lasts until its
  // alerts resolved in the journal (or left it), circuit_open comes from the guardrails.
  std::vector<TargetInState> States();

 private:
  struct Task {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  // A matched episode and its playbooks, matched when it was handed over.
  struct Matched {
    intake::Episode episode;
    std::vector<std::shared_ptr<const playbook::Playbook>> playbooks;
    size_t bytes = 0;  // intake::ApproximateSize(episode)
  };

  // The longest wait between two tries of a heal-log write.
  static constexpr std::chrono::milliseconds kMaxRecordBackoff = std::chrono::minutes(1);

  // True (and the episode set handled) when the heal log shows it decided already.
  bool AlreadyDecided(const intake::Episode& episode);
  // True when the episode was folded, before a restart, into a remediation that has not
  // ended: it then waits for that remediation (rejoin_) instead of being decided again.
  bool Rejoin(const intake::Episode& episode);
  // Ends the episodes waiting in rejoin_ for the remediation first started by `first` once
  // that episode is no longer pending: they are set handled with it.
  void EndWithRemediation(const intake::EpisodeKey& first);
  // Runs `write` (a heal-log write) until it succeeds or `stop` is requested, backing off
  // between tries; returns its last status.
  common::Status Durably(const std::function<common::Status()>& write, std::stop_token stop);
  // Records `episodes`, which no playbook matches, and sets them aside: one heal-log
  // transaction (Durably) and one journal commit.
  void SetAsideUnmatched(const std::vector<const intake::Episode*>& episodes, std::stop_token stop);
  // Waits for room (false: stopped first), then queues `matched` under its fairness key.
  bool Enqueue(Matched matched, std::stop_token stop);
  void Handle(const Matched& matched, std::stop_token stop);
  void HandleWithPlaybook(const intake::Episode& episode,
                          const std::shared_ptr<const playbook::Playbook>& playbook,
                          std::stop_token stop);
  // The workload `playbook` is to work on for `episode`: the one its remediation resolved
  // before a restart (ResolvedBeforeRestart), else the one the alert names now.
  common::Result<ResolvedTarget> Resolve(const intake::Episode& episode,
                                         const playbook::Playbook& playbook, std::stop_token stop);
  // For an episode taken up before a restart: the workload its remediation resolved then, from
  // the heal log; nullopt when none was resolved (or it cannot be read).
  std::optional<actions::Target> ResolvedBeforeRestart(const intake::Episode& episode,
                                                       const playbook::Playbook& playbook);
  // The anomaly gate of `playbook` (which has one) for `episode` on `target`. Failure:
  // InvalidArgument when a signal's template cannot be filled from the alert.
  common::Result<anomaly::GateDecision> CheckAnomalyGate(const intake::Episode& episode,
                                                         const playbook::Playbook& playbook,
                                                         const actions::Target& target) const;
  // Records `record` (Durably); false when it could not be before `stop`.
  bool Decide(HealRecord record, std::stop_token stop);
  // The heal-log record of a decision, logged as it is made.
  HealRecord DecisionRecord(const intake::Episode& episode, const std::string& playbook,
                            const std::string& target, DecisionResult result, std::string reason,
                            std::string message) const;
  // Records and announces that `playbook` will not act for `episode`, which is then handled;
  // does nothing when the refusal could not be recorded before `stop`.
  void Refuse(const intake::Episode& episode, const std::string& playbook,
              const actions::Target* target, std::string reason, std::string message,
              std::stop_token stop);
  void StartQueuedLocked();

  HealingDeps& deps_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::condition_variable_any room_cv_;  // the queue has room, or the healer stops
  std::shared_ptr<const playbook::PlaybookIndex> playbooks_;
  std::map<std::string, std::shared_ptr<Remediation>> active_;  // by target
  // Episodes folded before a restart, by the id of the remediation they joined (Rejoin).
  std::map<std::string, std::vector<intake::EpisodeKey>> rejoin_;
  FairQueue<Matched> queue_;
  size_t queued_bytes_ = 0;  // of the episodes in queue_
  std::list<Task> tasks_;
  TargetStates states_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace rebound::controller::healing
