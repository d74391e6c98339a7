#include "controller/healing/remediation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/duration.h"
#include "common/time_format.h"
#include "controller/actions/action_support.h"
#include "controller/healing/episode_context.h"
#include "controller/healing/workload_state.h"
#include "kube/event.h"
#include "kube/object.h"

namespace rebound::controller::healing {
namespace {

using Outcome = actions::ActionResult::Outcome;
using Kind = notify::Notification::Kind;

std::chrono::milliseconds Since(const common::Clock& clock,
                                std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.MonotonicNow() - start);
}

std::string Capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// How a remediation ends when step `index` must not run for `reason`.
RemediationOutcome OutcomeOfSkip(SkipReason reason, int index) {
  switch (reason) {
    case SkipReason::kResolved:  // after a step, that step is what healed it
      return index > 0 ? RemediationOutcome::kHealed : RemediationOutcome::kSkipped;
    case SkipReason::kTargetUnreadable:
      return RemediationOutcome::kUnhealed;
    case SkipReason::kTargetGone:
    case SkipReason::kTargetReplaced:
    case SkipReason::kRolloutInProgress:
      break;
  }
  return RemediationOutcome::kSkipped;
}

}  // namespace

Remediation::Remediation(HealingDeps& deps, std::shared_ptr<const playbook::Playbook> playbook,
                         ResolvedTarget target, const intake::Episode& first, int first_step)
    : deps_(deps),
      playbook_(std::move(playbook)),
      resolved_(std::move(target)),
      first_(first),
      id_(EpisodeId(first.key)),
      dry_run_(deps.guardrails.DryRun(*playbook_)),
      first_step_(std::clamp(first_step, 0, static_cast<int>(playbook_->steps.size()) - 1)),
      verifier_(Verifier::Deps{deps.journal, deps.kube, deps.prometheus, deps.clock, deps.sleeper,
                               deps.poll_interval}),
      vars_(EpisodeVars(first, playbook_->name)),
      base_notification_(EpisodeNotification(first, playbook_->name, &resolved_.target)) {
  SetTargetVars(vars_, resolved_.target);
  base_notification_.dry_run = dry_run_;
  base_notification_.drill = deps_.drill && deps_.drill(resolved_.target.ToString());
  episodes_.push_back(first.key);
  snapshot_.id = id_;
  snapshot_.playbook = playbook_->name;
  snapshot_.target = resolved_.target.ToString();
  snapshot_.phase = "acting";
  snapshot_.started_at = deps_.clock.Now();
  snapshot_.episodes = 1;
}

void Remediation::NoteAnomalyGate(const std::string& explanation) {
  base_notification_.fields.emplace_back("Anomaly gate", explanation);
}

void Remediation::Fold(const intake::EpisodeKey& episode) {
  std::lock_guard lock(mu_);
  if (std::find(episodes_.begin(), episodes_.end(), episode) != episodes_.end()) return;
  episodes_.push_back(episode);
  snapshot_.episodes = episodes_.size();
}

std::vector<intake::EpisodeKey> Remediation::Episodes() const {
  std::lock_guard lock(mu_);
  return episodes_;
}

Remediation::Snapshot Remediation::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void Remediation::SetPhase(int step, std::string phase) {
  std::lock_guard lock(mu_);
  snapshot_.step = step;
  snapshot_.phase = std::move(phase);
}

void Remediation::Record(HealRecord::Kind kind, int step, const std::string& action,
                         std::string_view result, std::string_view reason, std::string message,
                         std::chrono::milliseconds duration) {
  spdlog::info("heal {}: {} {} step={} action={} result={}{}: {}", id_, playbook_->name,
               resolved_.target.ToString(), step, action, result,
               reason.empty() ? "" : " reason=" + std::string(reason), message);
  HealRecord record;
  record.at = deps_.clock.Now();
  record.episode = first_.key;
  record.alertname = first_.alertname;
  record.playbook = playbook_->name;
  record.target = resolved_.target.ToString();
  record.step = step;
  record.action = action;
  record.kind = kind;
  record.result = result;
  record.reason = reason;
  record.message = std::move(message);
  record.duration = duration;
  if (common::Result<HealRecord> appended = deps_.log.Append(std::move(record)); !appended.ok()) {
    spdlog::error("heal {}: cannot write the heal log: {}", id_, appended.status().message());
  }
}

void Remediation::Notify(Kind kind, std::string title, std::string text, bool success,
                         std::optional<std::chrono::milliseconds> time_to_heal) {
  notify::Notification n = base_notification_;
  n.kind = kind;
  n.title = std::move(title);
  n.text = std::move(text);
  n.success = success;
  n.time_to_heal = time_to_heal;
  deps_.notifier.Notify(std::move(n));
}

void Remediation::WriteEvent(const nlohmann::json& workload, const std::string& type,
                             const std::string& message) {
  if (dry_run_) return;
  kube::EventInfo info;
  info.type = type;
  info.reason = "ReboundHeal";
  info.message = message + " (playbook " + playbook_->name + ", alert " + first_.alertname + ")";
  info.instance = deps_.instance;
  nlohmann::json event =
      kube::NewEvent(workload, info, common::Timestamp::FromTimePoint(deps_.clock.Now()));
  common::Result<nlohmann::json> created =
      deps_.kube.CreateEvent(kube::ObjectNamespace(event), event);
  if (!created.ok()) {
    spdlog::warn("heal {}: cannot write the Kubernetes Event on {}: {}", id_,
                 resolved_.target.ToString(), created.status().message());
  }
}

std::optional<Remediation::Skip> Remediation::CheckTarget(int index, nlohmann::json* workload) {
  std::vector<intake::EpisodeKey> episodes = Episodes();
  bool all_resolved = true;
  for (const intake::EpisodeKey& key : episodes) {
    common::Result<intake::Episode> episode = deps_.journal.Get(key);
    all_resolved &= episode.ok() && episode->status == intake::AlertStatus::kResolved;
  }
  if (all_resolved) {
    return Skip{SkipReason::kResolved,
                index == 0 ? "the alert resolved before Rebound acted" : "the alert resolved"};
  }
  const actions::Target& target = resolved_.target;
  common::Result<nlohmann::json> current = deps_.kube.Get(target.resource(), target.ns, target.name);
  if (!current.ok()) {
    if (current.status().code() == common::StatusCode::kNotFound) {
      return Skip{SkipReason::kTargetGone, target.ToString() + " no longer exists"};
    }
    return Skip{SkipReason::kTargetUnreadable,
                "cannot read " + target.ToString() + ": " + current.status().message()};
  }
  if (kube::ObjectUid(*current) != resolved_.uid) {
    return Skip{SkipReason::kTargetReplaced, target.ToString() +
                                                 " was deleted and created again (new uid " +
                                                 kube::ObjectUid(*current) + ")"};
  }
  std::string why;
  if (RolloutByOthersInProgress(*current, id_, deps_.clock.Now(), &why)) {
    return Skip{SkipReason::kRolloutInProgress, why};
  }
  *workload = std::move(*current);
  return std::nullopt;
}

RemediationOutcome Remediation::Run(std::stop_token stop) {
  deps_.metrics.in_progress.Increment();
  RunState state;
  state.limits = deps_.guardrails.BlastRadiusFor(*playbook_);
  for (int i = first_step_; i < static_cast<int>(playbook_->steps.size()) && !state.ended; ++i) {
    RunStep(i, stop, state);
  }
  Finish(state);
  deps_.metrics.in_progress.Decrement();
  return state.outcome;
}

void Remediation::RunStep(int index, std::stop_token stop, RunState& state) {
  const actions::ActionTraits& traits = playbook_->steps[index].traits;
  nlohmann::json workload;
  if (!PreCheck(index, stop, state, &workload)) return;
  const actions::ActionResult result = Act(index, workload, state.limits, stop);
  Announce(index, workload, result);
  // A refused action is forbidden on this target, not the remediation, and a failed one could
  // not act: a later step (a gentler one, or the escalation) may still succeed. A dry run
  // records the whole path; there is nothing to verify.
  if (result.outcome == Outcome::kDryRun) state.outcome = RemediationOutcome::kDryRun;
  if (result.outcome != Outcome::kDone && result.outcome != Outcome::kNoop) return;
  state.people_told = traits.tells_people && result.outcome == Outcome::kDone;
  // Talking and waiting change nothing that could be verified; in a dry run nothing changed.
  if (!traits.changes_cluster) return;
  if (dry_run_) {
    state.outcome = RemediationOutcome::kDryRun;
    return;
  }
  Verify(index, stop, state);
}

bool Remediation::PreCheck(int index, std::stop_token stop, RunState& state,
                           nlohmann::json* workload) {
  if (stop.stop_requested()) {
    state.End(RemediationOutcome::kInterrupted);
    return false;
  }
  SetPhase(index, "acting");
  std::optional<Skip> skip = CheckTarget(index, workload);
  if (skip && skip->reason == SkipReason::kRolloutInProgress) {
    skip = WaitOutRollout(index, *skip, stop, workload);
    if (stop.stop_requested()) {
      state.End(RemediationOutcome::kInterrupted);
      return false;
    }
    SetPhase(index, "acting");
  }
  if (skip) {
    Record(HealRecord::Kind::kDecision, index, playbook_->steps[index].action,
           DecisionResultName(DecisionResult::kSkipped), SkipReasonName(skip->reason),
           skip->message);
    state.End(OutcomeOfSkip(skip->reason, index));
    return false;
  }
  return GuardrailsAllow(index, state);
}

std::optional<Remediation::Skip> Remediation::WaitOutRollout(int index, Skip rollout,
                                                             std::stop_token stop,
                                                             nlohmann::json* workload) {
  Record(HealRecord::Kind::kDecision, index, playbook_->steps[index].action,
         DecisionResultName(DecisionResult::kWaiting), SkipReasonName(rollout.reason),
         rollout.message);
  SetPhase(index, "waiting for a rollout");
  std::optional<Skip> skip = std::move(rollout);
  while (skip && skip->reason == SkipReason::kRolloutInProgress &&
         deps_.sleeper.SleepFor(deps_.poll_interval, stop)) {
    skip = CheckTarget(index, workload);
  }
  return skip;
}

bool Remediation::GuardrailsAllow(int index, RunState& state) {
  const playbook::Step& step = playbook_->steps[index];
  if (dry_run_ || !step.traits.changes_cluster) return true;
  std::optional<Refusal> refusal = deps_.guardrails.CheckAction(*playbook_);
  if (!refusal) return true;
  deps_.metrics.GuardrailBlocked(refusal->reason);
  Record(HealRecord::Kind::kAction, index, step.action, "refused", refusal->reason,
         refusal->message);
  Notify(Kind::kRefusal, "Refused: " + step.action + " on " + resolved_.target.ToString(),
         refusal->message, false);
  state.End(RemediationOutcome::kRefused);
  return false;
}

actions::ActionResult Remediation::Act(int index, const nlohmann::json& workload,
                                       const actions::BlastRadius& limits, std::stop_token stop) {
  const playbook::Step& step = playbook_->steps[index];
  // A mark for this very step means an earlier run marked it and then stopped, before or after
  // the action took effect: the action runs again with the mark's plan, which tells from the
  // cluster whether it did (then it reports a noop and the step is verified).
  std::optional<HealMark> mark = ReadHealMark(workload);
  const bool resumed = !dry_run_ && mark && mark->remediation == id_ && mark->step == index;
  nlohmann::json plan = resumed ? mark->plan : nlohmann::json();
  notify::Notification prefilled = base_notification_;
  actions::ActionContext ctx{resolved_.target, vars_,         limits,         dry_run_,
                             deps_.kube,       deps_.http,    deps_.notifier, prefilled,
                             deps_.clock,      deps_.sleeper, stop,           &plan};
  actions::ActionResult result;
  std::chrono::milliseconds took{0};
  if (!resumed && !dry_run_ && step.traits.changes_cluster) {
    plan = step.impl->Plan(ctx);
    result = MarkStep(index, plan, stop);
  }
  if (result.outcome == Outcome::kDone) {  // marked, or nothing to mark
    const auto started = deps_.clock.MonotonicNow();
    result = step.impl->Run(ctx);
    took = Since(deps_.clock, started);
    if (resumed) result.message = "resumed after a restart: " + result.message;
  }
  deps_.metrics.ActionRan(playbook_->name, step.action, actions::OutcomeName(result.outcome),
                          result.outcome == actions::ActionResult::Outcome::kRefused
                              ? std::nullopt
                              : std::optional<std::chrono::nanoseconds>(took));
  Record(HealRecord::Kind::kAction, index, step.action, actions::OutcomeName(result.outcome),
         result.reason, result.message, took);
  return result;
}

actions::ActionResult Remediation::MarkStep(int index, const nlohmann::json& plan,
                                            std::stop_token stop) {
  HealMark next;
  next.remediation = id_;
  next.playbook = playbook_->name;
  next.step = index;
  next.action = playbook_->steps[index].action;
  next.plan = plan;
  const actions::Target& target = resolved_.target;
  for (int attempt = 1;; ++attempt) {
    next.at = deps_.clock.Now();
    common::Result<nlohmann::json> marked = deps_.kube.Patch(
        target.resource(), target.ns, target.name, kube::PatchType::kMerge, HealMarkPatch(next));
    if (marked.ok()) return actions::ActionResult();
    const std::string why = "cannot mark " + target.ToString() + " before acting (attempt " +
                            std::to_string(attempt) + " of " + std::to_string(kMarkAttempts) +
                            "): " + marked.status().message();
    spdlog::warn("heal {}: {}", id_, why);
    // Without the mark a restart could take the step a second time: not acting is the safe
    // side, and the remediation goes on to its next step and, in the end, to a person.
    if (marked.status().code() == common::StatusCode::kNotFound || attempt >= kMarkAttempts) {
      return actions::Failed("mark_failed", why + "; not acting without the mark");
    }
    if (!deps_.sleeper.SleepFor(deps_.poll_interval, stop)) {
      return actions::Failed("stopped", why + "; stopped before acting");
    }
  }
}

void Remediation::Announce(int index, const nlohmann::json& workload,
                           const actions::ActionResult& result) {
  const playbook::Step& step = playbook_->steps[index];
  const std::string target = resolved_.target.ToString();
  switch (result.outcome) {
    case Outcome::kRefused:
      deps_.metrics.GuardrailBlocked(result.reason);
      WriteEvent(workload, "Warning", "refused to " + step.action + ": " + result.message);
      Notify(Kind::kRefusal, "Refused: " + step.action + " on " + target, result.message, false);
      return;
    case Outcome::kFailed:
      WriteEvent(workload, "Warning", step.action + " failed: " + result.message);
      Notify(Kind::kAction, Capitalized(step.action) + " failed on " + target, result.message,
             false);
      return;
    case Outcome::kDryRun:
      Notify(Kind::kAction, "Dry run: " + result.message, "nothing was changed", true);
      return;
    case Outcome::kDone:
      if (step.traits.changes_cluster) {
        deps_.guardrails.RecordAction(playbook_->name, target, deps_.clock.Now());
      }
      WriteEvent(workload, "Normal", result.message);
      if (!step.traits.tells_people) {  // else its message is the notification
        Notify(Kind::kAction, Capitalized(result.message),
               "playbook " + playbook_->name + ", step " + std::to_string(index + 1) + " of " +
                   std::to_string(playbook_->steps.size()),
               true);
      }
      return;
    case Outcome::kNoop:
      return;
  }
}

void Remediation::Verify(int index, std::stop_token stop, RunState& state) {
  const playbook::Step& step = playbook_->steps[index];
  SetPhase(index, "verifying");
  VerifyOutcome verified = verifier_.Verify(
      step.verify, resolved_.target, [this] { return Episodes(); }, vars_, stop);
  Record(HealRecord::Kind::kVerify, index, step.action, verified.passed ? "passed" : "failed",
         VerifyReasonName(verified.reason), verified.message, verified.took);
  if (verified.reason == VerifyReason::kStopped) {
    state.End(RemediationOutcome::kInterrupted);
    return;
  }
  deps_.metrics.StepVerified(playbook_->name, step.action, verified.passed);
  if (!verified.passed) return;
  state.End(RemediationOutcome::kHealed);
  common::Result<common::Timestamp> started = common::ParseRfc3339(first_.key.starts_at);
  if (started.ok()) {
    state.time_to_heal = std::max(std::chrono::milliseconds(0),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deps_.clock.Now() - started->ToTimePoint()));
  }
}

void Remediation::Finish(const RunState& state) {
  const std::string target = resolved_.target.ToString();
  const std::string outcome(RemediationOutcomeName(state.outcome));
  SetPhase(snapshot().step, "done");
  if (state.outcome == RemediationOutcome::kUnhealed) {
    Escalate(state.people_told);
  } else if (state.outcome == RemediationOutcome::kHealed) {
    Notify(Kind::kOutcome, "Healed " + target,
           state.time_to_heal ? "verified: the alert resolved and the workload is ready"
                              : "the alert resolved",
           true, state.time_to_heal);
  }
  Record(HealRecord::Kind::kOutcome, -1, "", outcome, "", "remediation " + outcome,
         state.time_to_heal.value_or(std::chrono::milliseconds(0)));
  if (state.outcome == RemediationOutcome::kHealed ||
      state.outcome == RemediationOutcome::kUnhealed) {
    deps_.guardrails.RecordOutcome(target, state.outcome == RemediationOutcome::kHealed,
                                   deps_.clock.Now());
  }
  deps_.metrics.RemediationEnded(playbook_->name, RemediationOutcomeName(state.outcome),
                                 state.time_to_heal);
  if (state.outcome == RemediationOutcome::kInterrupted) return;
  for (const common::Status& s :
       deps_.journal.SetStates(Episodes(), intake::EpisodeState::kHandled)) {
    if (!s.ok()) {
      spdlog::error("heal {}: cannot record the episode as handled: {}", id_, s.message());
    }
  }
}

void Remediation::Escalate(bool people_told) {
  const std::string target = resolved_.target.ToString();
  std::string message = "every step of playbook " + playbook_->name + " ran and " + target +
                        " is still not healthy: a person must look";
  Record(HealRecord::Kind::kEscalation, -1, "", "escalated", "steps_exhausted", message);
  if (!people_told) Notify(Kind::kEscalation, "Could not heal " + target, message, false);
  deps_.metrics.Escalated(playbook_->name);
}

}  // namespace rebound::controller::healing
