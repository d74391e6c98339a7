#include "controller/healing/healer.h"

#include <spdlog/spdlog.h>

#include "controller/healing/episode_context.h"
#include "controller/healing/workload_state.h"

namespace rebound::controller::healing {

Healer::Healer(HealingDeps& deps, std::shared_ptr<const playbook::PlaybookIndex> playbooks,
               Options options)
    : deps_(deps), options_(options), playbooks_(std::move(playbooks)) {}

Healer::~Healer() { Stop(); }

void Healer::SetPlaybooks(std::shared_ptr<const playbook::PlaybookIndex> playbooks) {
  std::lock_guard lock(mu_);
  playbooks_ = std::move(playbooks);
}

std::shared_ptr<const playbook::PlaybookIndex> Healer::playbooks() const {
  std::lock_guard lock(mu_);
  return playbooks_;
}

namespace {

// The FairQueue key of an episode matched to `playbook` (its first): the playbook and its
// target as the templates render from the alert, or the playbook alone when they do not.
std::string FairnessKey(const intake::Episode& episode, const playbook::Playbook& playbook) {
  templates::TemplateContext vars = EpisodeVars(episode, playbook.name);
  std::string key = playbook.name;
  common::Result<std::string> ns = playbook.target.ns.Render(vars);
  common::Result<std::string> name = playbook.target.name.Render(vars);
  if (ns.ok() && name.ok()) key += " " + playbook.target.kind + " " + *ns + "/" + *name;
  return key;
}

}  // namespace

bool Healer::Submit(const std::vector<intake::Episode>& episodes, std::stop_token stop) {
  const std::shared_ptr<const playbook::PlaybookIndex> index = playbooks();
  std::vector<const intake::Episode*> unmatched;
  std::vector<Matched> matched;
  for (const intake::Episode& episode : episodes) {
    if (episode.state == intake::EpisodeState::kClosed || AlreadyDecided(episode) ||
        Rejoin(episode)) {
      continue;
    }
    std::vector<std::shared_ptr<const playbook::Playbook>> found = index->Match(episode.labels);
    if (found.empty()) {
      unmatched.push_back(&episode);
    } else {
      matched.push_back(Matched{episode, std::move(found), intake::ApproximateSize(episode)});
    }
  }
  SetAsideUnmatched(unmatched, stop);
  for (Matched& next : matched) {
    if (options_.synchronous) {
      Handle(next, std::stop_token());
    } else if (!Enqueue(std::move(next), stop)) {
      return false;  // the rest stay pending in the journal: resumed at the next start
    }
  }
  return true;
}

bool Healer::AlreadyDecided(const intake::Episode& episode) {
  // Decided before, though still pending in the journal (its "handled" could not be recorded
  // before a restart) or journaled again (retention deleted it and Alertmanager re-sent it):
  // the heal log has the decision, which is not made twice. On a read error it is decided.
  common::Result<bool> settled = deps_.log.Settled(episode.key);
  if (!settled.ok() || !*settled) return false;
  spdlog::info("heal {}: already decided (heal log); not deciding again", EpisodeId(episode.key));
  (void)deps_.journal.SetState(episode.key, intake::EpisodeState::kHandled);
  EndWithRemediation(episode.key);
  return true;
}

bool Healer::Rejoin(const intake::Episode& episode) {
  // The "folded" record names the remediation the episode joined before the restart. That
  // remediation was interrupted (it is not settled, or AlreadyDecided would have said so): it
  // resumes under its own first episode, and this one ends with it rather than being decided
  // a second time (refused by the cooldown of the resumed remediation's mark, say).
  common::Result<std::optional<intake::EpisodeKey>> joined = deps_.log.JoinedOf(episode.key);
  if (!joined.ok() || !joined->has_value()) return false;
  const intake::EpisodeKey& first = **joined;
  const std::string id = EpisodeId(first);
  spdlog::info("heal {}: folded into remediation {} before a restart; ends with it",
               EpisodeId(episode.key), id);
  {
    std::lock_guard lock(mu_);
    rejoin_[id].push_back(episode.key);
    for (auto& [target, remediation] : active_) {
      if (remediation->id() == id) remediation->Fold(episode.key);  // resumed already
    }
  }
  // Registered first, then checked: whether that remediation's episode ended before or ends
  // after, EndWithRemediation sees this one.
  EndWithRemediation(first);
  return true;
}

void Healer::EndWithRemediation(const intake::EpisodeKey& first) {
  const std::string id = EpisodeId(first);
  {
    std::lock_guard lock(mu_);
    if (!rejoin_.contains(id)) return;
  }
  common::Result<intake::Episode> now = deps_.journal.Get(first);
  const bool gone = !now.ok() && now.status().code() == common::StatusCode::kNotFound;
  if (!gone && (!now.ok() || now->state == intake::EpisodeState::kPending)) return;
  std::vector<intake::EpisodeKey> joined;
  {
    std::lock_guard lock(mu_);
    auto found = rejoin_.find(id);
    if (found == rejoin_.end()) return;
    joined = std::move(found->second);
    rejoin_.erase(found);
  }
  for (const common::Status& s : deps_.journal.SetStates(joined, intake::EpisodeState::kHandled)) {
    if (!s.ok()) {
      spdlog::error("heal {}: cannot record a folded episode as handled: {}", id, s.message());
    }
  }
  // One of them may be the first of a remediation that never ran (its decision unrecorded
  // before a stop) and have episodes waiting for it in turn.
  for (const intake::EpisodeKey& key : joined) EndWithRemediation(key);
}

common::Status Healer::Durably(const std::function<common::Status()>& write, std::stop_token stop) {
  std::chrono::milliseconds wait = deps_.poll_interval;
  for (int attempt = 1;; ++attempt) {
    common::Status status = write();
    if (status.ok()) return status;
    spdlog::error(
        "heal: cannot write the heal log (attempt {}; nothing acts until it is "
        "written): {}",
        attempt, status.message());
    if (!deps_.sleeper.SleepFor(wait, stop)) return status;
    wait = std::min(wait * 2, std::chrono::milliseconds(kMaxRecordBackoff));
  }
}

void Healer::SetAsideUnmatched(const std::vector<const intake::Episode*>& episodes,
                               std::stop_token stop) {
  if (episodes.empty()) return;
  std::vector<HealRecord> records;
  std::vector<intake::EpisodeKey> keys;
  records.reserve(episodes.size());
  keys.reserve(episodes.size());
  for (const intake::Episode* episode : episodes) {
    records.push_back(DecisionRecord(*episode, "", "", DecisionResult::kNoPlaybook, "",
                                     "no playbook matches this alert"));
    keys.push_back(episode->key);
  }
  // Not recorded before a stop: not decided either (pending, decided at the next start).
  if (!Durably([&] { return deps_.log.AppendAll(records); }, stop).ok()) return;
  for (size_t i = 0; i < episodes.size(); ++i) deps_.metrics.Unmatched();
  std::vector<common::Status> set = deps_.journal.SetStates(keys, intake::EpisodeState::kHandled);
  for (size_t i = 0; i < set.size(); ++i) {
    if (!set[i].ok()) {
      spdlog::error("heal {}: cannot record the episode as handled: {}", EpisodeId(keys[i]),
                    set[i].message());
    }
    EndWithRemediation(keys[i]);
  }
}

bool Healer::Enqueue(Matched matched, std::stop_token stop) {
  const std::string key = FairnessKey(matched.episode, *matched.playbooks.front());
  std::unique_lock lock(mu_);
  // An episode larger than max_waiting_bytes waits alone.
  room_cv_.wait(lock, stop, [&] {
    return stopping_ ||
           (queue_.size() < options_.max_waiting &&
            (queue_.empty() || queued_bytes_ + matched.bytes <= options_.max_waiting_bytes));
  });
  if (stopping_ || stop.stop_requested()) return false;
  queued_bytes_ += matched.bytes;
  queue_.Push(key, std::move(matched));
  StartQueuedLocked();
  return true;
}

void Healer::StartQueuedLocked() {
  tasks_.remove_if([](Task& task) { return task.done->load(); });  // joins finished threads
  bool started = false;
  while (running_ < options_.max_concurrent && !queue_.empty()) {
    Matched next = std::move(*queue_.Pop());
    queued_bytes_ -= next.bytes;
    ++running_;
    started = true;
    auto done = std::make_shared<std::atomic<bool>>(false);
    tasks_.push_back(Task{std::jthread([this, next = std::move(next), done](std::stop_token stop) {
                            Handle(next, stop);
                            std::lock_guard lock(mu_);
                            --running_;
                            if (!stopping_) StartQueuedLocked();
                            idle_cv_.notify_all();
                            done->store(true);
                          }),
                          done});
  }
  if (started) room_cv_.notify_all();
}

void Healer::RequestStop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  for (Task& task : tasks_) task.thread.request_stop();
  room_cv_.notify_all();
}

void Healer::Stop() {
  RequestStop();
  std::list<Task> tasks;
  {
    std::lock_guard lock(mu_);
    tasks.swap(tasks_);
  }
  tasks.clear();  // joins
}

void Healer::WaitIdle(size_t running) {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return running_ <= running && queue_.empty(); });
}

std::vector<Remediation::Snapshot> Healer::Active() const {
  std::lock_guard lock(mu_);
  std::vector<Remediation::Snapshot> out;
  for (const auto& [target, remediation] : active_) out.push_back(remediation->snapshot());
  return out;
}

size_t Healer::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t Healer::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

std::vector<TargetInState> Healer::States() {
  auto resolved = [this](const intake::EpisodeKey& key) {
    common::Result<intake::Episode> episode = deps_.journal.Get(key);
    if (!episode.ok()) return episode.status().code() == common::StatusCode::kNotFound;
    return episode->status == intake::AlertStatus::kResolved;
  };
  return states_.Current(resolved, deps_.guardrails.OpenCircuits());
}

HealRecord Healer::DecisionRecord(const intake::Episode& episode, const std::string& playbook,
                                  const std::string& target, DecisionResult result,
                                  std::string reason, std::string message) const {
  spdlog::info("heal {}: alert {} playbook={} target={} decision={}{}: {}", EpisodeId(episode.key),
               episode.alertname, playbook.empty() ? "-" : playbook, target.empty() ? "-" : target,
               DecisionResultName(result), reason.empty() ? "" : " reason=" + reason, message);
  HealRecord record;
  record.at = deps_.clock.Now();
  record.episode = episode.key;
  record.alertname = episode.alertname;
  record.playbook = playbook;
  record.target = target;
  record.kind = HealRecord::Kind::kDecision;
  record.result = DecisionResultName(result);
  record.reason = std::move(reason);
  record.message = std::move(message);
  return record;
}

bool Healer::Decide(HealRecord record, std::stop_token stop) {
  return Durably([&] { return deps_.log.Append(record).status(); }, stop).ok();
}

void Healer::Refuse(const intake::Episode& episode, const std::string& playbook,
                    const actions::Target* target, std::string reason, std::string message,
                    std::stop_token stop) {
  const std::string what = target != nullptr ? target->ToString() : "";
  if (!Decide(DecisionRecord(episode, playbook, what, DecisionResult::kRefused, std::move(reason),
                             message),
              stop)) {
    return;
  }
  notify::Notification n = EpisodeNotification(episode, playbook, target);
  n.kind = notify::Notification::Kind::kRefusal;
  n.drill = target != nullptr && deps_.drill && deps_.drill(what);
  n.title = target != nullptr ? "Refused to heal " + what
                              : "Cannot find what to heal for " + episode.alertname;
  n.text = message;
  n.success = false;
  deps_.notifier.Notify(std::move(n));
  deps_.metrics.RemediationEnded(playbook, RemediationOutcomeName(RemediationOutcome::kRefused),
                                 std::nullopt);
  (void)deps_.journal.SetState(episode.key, intake::EpisodeState::kHandled);
}

void Healer::Handle(const Matched& matched, std::stop_token stop) {
  for (const auto& playbook : matched.playbooks) {
    if (stop.stop_requested()) return;
    HandleWithPlaybook(matched.episode, playbook, stop);
  }
  EndWithRemediation(matched.episode.key);
}

common::Result<ResolvedTarget> Healer::Resolve(const intake::Episode& episode,
                                               const playbook::Playbook& playbook,
                                               std::stop_token stop) {
  templates::TemplateContext vars = EpisodeVars(episode, playbook.name);
  const std::optional<actions::Target> earlier = ResolvedBeforeRestart(episode, playbook);
  for (int attempt = 1;; ++attempt) {
    common::Result<ResolvedTarget> resolved =
        earlier ? ReadResolvedTarget(*earlier, deps_.kube)
                : ResolveTarget(playbook.target, vars, deps_.kube);
    const common::StatusCode code = resolved.status().code();
    bool transient = code == common::StatusCode::kUnavailable ||
                     code == common::StatusCode::kDeadlineExceeded;
    if (resolved.ok() || !transient || attempt >= options_.resolve_attempts) return resolved;
    spdlog::warn("heal {}: cannot resolve the target of playbook {} (attempt {} of {}): {}",
                 EpisodeId(episode.key), playbook.name, attempt, options_.resolve_attempts,
                 resolved.status().message());
    if (!deps_.sleeper.SleepFor(deps_.poll_interval, stop)) return resolved;
    common::Result<intake::Episode> now = deps_.journal.Get(episode.key);
    if (now.ok() && now->status == intake::AlertStatus::kResolved) return resolved;
  }
}

std::optional<actions::Target> Healer::ResolvedBeforeRestart(const intake::Episode& episode,
                                                             const playbook::Playbook& playbook) {
  if (episode.state != intake::EpisodeState::kPending) return std::nullopt;  // never taken up
  common::Result<std::string> recorded = deps_.log.TargetOf(episode.key, playbook.name);
  if (!recorded.ok()) {
    spdlog::warn("heal {}: cannot read the target resolved before a restart, resolving again: {}",
                 EpisodeId(episode.key), recorded.status().message());
    return std::nullopt;
  }
  return actions::Target::Parse(*recorded);
}

common::Result<anomaly::GateDecision> Healer::CheckAnomalyGate(
    const intake::Episode& episode, const playbook::Playbook& playbook,
    const actions::Target& target) const {
  const playbook::AnomalyGateSpec& spec = *playbook.anomaly_gate;
  templates::TemplateContext vars = EpisodeVars(episode, playbook.name);
  SetTargetVars(vars, target);
  anomaly::GateRequest request;
  for (const playbook::AnomalyGateSpec::Signal& signal : spec.signals) {
    common::Result<std::string> query = signal.query.Render(vars);
    if (!query.ok()) {
      return query.status().WithContext("spec.when.anomaly.signals." + signal.name);
    }
    request.signals.push_back({signal.name, std::move(*query)});
  }
  request.lookback = spec.lookback;
  request.step = spec.step.value_or(options_.anomaly_step);
  request.above = spec.above;
  request.on_missing_data = spec.on_missing_data.value_or(options_.anomaly_on_missing_data);
  return anomaly::EvaluateGate(deps_.prometheus, request, deps_.clock.Now());
}

void Healer::HandleWithPlaybook(const intake::Episode& episode,
                                const std::shared_ptr<const playbook::Playbook>& playbook,
                                std::stop_token stop) {
  (void)deps_.journal.SetState(episode.key, intake::EpisodeState::kPending, playbook->name);
  common::Result<ResolvedTarget> resolved = Resolve(episode, *playbook, stop);
  if (!resolved.ok()) {
    if (stop.stop_requested()) return;
    const common::StatusCode code = resolved.status().code();
    Refuse(episode, playbook->name, nullptr,
           code == common::StatusCode::kInvalidArgument ? "template"
           : code == common::StatusCode::kNotFound      ? "target_not_found"
                                                        : "target_unresolved",
           resolved.status().message(), stop);
    return;
  }
  const std::string target = resolved->target.ToString();
  // Another replica (or this one before a restart) may have acted on the target: its mark
  // carries the cooldown over. The episode's own mark is a remediation to resume, from the
  // step it names, and not a cooldown.
  std::optional<HealMark> mark = ReadHealMark(resolved->object);
  const bool resuming = mark && mark->remediation == EpisodeId(episode.key) &&
                        mark->playbook == playbook->name;
  if (mark && !resuming) deps_.guardrails.NoteAction(mark->playbook, target, mark->at);
  std::shared_ptr<Remediation> remediation;
  std::optional<Refusal> refusal;
  std::optional<intake::EpisodeKey> joined;  // the first episode of the one it folds into
  {
    std::lock_guard lock(mu_);
    if (auto running = active_.find(target); running != active_.end()) {
      running->second->Fold(episode.key);
      joined = running->second->first();
      // Episodes folded before a restart into a remediation this episode was to start (its
      // decision never recorded: the disk was full until the stop) join the one it joins now,
      // and end with it, rather than wait for a remediation that will not run.
      if (auto waiting = rejoin_.extract(EpisodeId(episode.key)); !waiting.empty()) {
        std::vector<intake::EpisodeKey>& into = rejoin_[running->second->id()];
        for (const intake::EpisodeKey& key : waiting.mapped()) {
          running->second->Fold(key);
          into.push_back(key);
        }
      }
    } else if (refusal = deps_.guardrails.CheckStart(*playbook, resolved->target, resuming);
               !refusal) {
      remediation = std::make_shared<Remediation>(deps_, playbook, *resolved, episode,
                                                  resuming ? mark->step : 0);
      active_[target] = remediation;
      // Episodes folded into it before a restart join it again (Rejoin).
      if (auto waiting = rejoin_.find(remediation->id()); waiting != rejoin_.end()) {
        for (const intake::EpisodeKey& key : waiting->second) remediation->Fold(key);
      }
    }
  }
  if (refusal) {
    deps_.metrics.GuardrailBlocked(refusal->reason);
    Refuse(episode, playbook->name, &resolved->target, refusal->reason, refusal->message, stop);
    return;
  }
  if (remediation == nullptr) {
    HealRecord folded =
        DecisionRecord(episode, playbook->name, target, DecisionResult::kFolded, "",
                       "a remediation of " + target + " is already running; this alert joins it");
    folded.joined = *joined;
    Decide(std::move(folded), stop);
    return;
  }
  // A resumed remediation passed its gate before the restart. A gate that passes is the
  // reason of the decision, its explanation part of the message.
  std::string gate_reason;
  std::string gate_note;
  if (playbook->anomaly_gate && !resuming) {
    common::Result<anomaly::GateDecision> gate =
        CheckAnomalyGate(episode, *playbook, resolved->target);
    if (!gate.ok() || !gate->pass) {
      {
        std::lock_guard lock(mu_);
        active_.erase(target);
      }
      if (gate.ok()) deps_.metrics.GuardrailBlocked("anomaly");
      Refuse(episode, playbook->name, &resolved->target, gate.ok() ? "anomaly" : "template",
             gate.ok() ? gate->explanation : gate.status().message(), stop);
      // Alerts that joined while the gate read Prometheus end with this one.
      for (const common::Status& s :
           deps_.journal.SetStates(remediation->Episodes(), intake::EpisodeState::kHandled)) {
        if (!s.ok()) {
          spdlog::error("heal {}: cannot record an episode as handled: {}",
                        EpisodeId(episode.key), s.message());
        }
      }
      return;
    }
    remediation->NoteAnomalyGate(gate->explanation);
    gate_reason = "anomaly";
    gate_note = "; " + gate->explanation;
  }
  // Not recorded before a stop: it does not act (the episode stays pending, decided again at
  // the next start, with nothing done).
  if (!Decide(DecisionRecord(episode, playbook->name, target, DecisionResult::kMatched, gate_reason,
                             (resuming ? "resuming playbook " + playbook->name + " at step " +
                                             std::to_string(mark->step + 1) + " on "
                                       : "starting playbook " + playbook->name + " on ") +
                                 target + (deps_.guardrails.DryRun(*playbook) ? " (dry run)" : "") +
                                 gate_note),
              stop)) {
    std::lock_guard lock(mu_);
    active_.erase(target);
    return;
  }
  states_.Started(resolved->target);
  const RemediationOutcome outcome = remediation->Run(stop);
  states_.Ended(resolved->target, outcome, remediation->Episodes());
  std::lock_guard lock(mu_);
  active_.erase(target);
}

}  // namespace rebound::controller::healing
