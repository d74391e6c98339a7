#include "controller/healing/remediation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/duration.h"
#include "common/time_format.h"
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
      vars_(EpisodeVars(first, playbook_->name)),
      base_notification_(EpisodeNotification(first, playbook_->name, &resolved_.target)) {
  SetTargetVars(vars_, resolved_.target);
  base_notification_.dry_run = dry_run_;
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

void Remediation::Fold(const intake::Episode& episode) {
  std::lock_guard lock(mu_);
  if (std::find(episodes_.begin(), episodes_.end(), episode.key) != episodes_.end()) return;
  episodes_.push_back(episode.key);
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
                         std::string result, std::string reason, std::string message,
                         std::chrono::milliseconds duration) {
  spdlog::info("heal {}: {} {} step={} action={} result={}{}: {}", id_, playbook_->name,
               resolved_.target.ToString(), step, action, result,
               reason.empty() ? "" : " reason=" + reason, message);
  HealRecord record;
  record.at = deps_.clock.Now();
  record.episode = first_.key;
  record.alertname = first_.alertname;
  record.playbook = playbook_->name;
  record.target = resolved_.target.ToString();
  record.step = step;
  record.action = action;
  record.kind = kind;
  record.result = std::move(result);
  record.reason = std::move(reason);
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

std::optional<std::pair<std::string, std::string>> Remediation::PreStepCheck(
    int index, nlohmann::json* workload) {
  std::vector<intake::EpisodeKey> episodes = Episodes();
  bool all_resolved = true;
  for (const intake::EpisodeKey& key : episodes) {
    common::Result<intake::Episode> episode = deps_.journal.Get(key);
    all_resolved &= episode.ok() && episode->status == intake::AlertStatus::kResolved;
  }
  if (all_resolved) {
    return std::make_pair(std::string("resolved"),
                          std::string(index == 0 ? "the alert resolved before Rebound acted"
                                                 : "the alert resolved"));
  }
  const actions::Target& target = resolved_.target;
  common::Result<nlohmann::json> current = deps_.kube.Get(target.resource(), target.ns, target.name);
  if (!current.ok()) {
    if (current.status().code() == common::StatusCode::kNotFound) {
      return std::make_pair(std::string("target_gone"), target.ToString() + " no longer exists");
    }
    return std::make_pair(std::string("target_unreadable"),
                          "cannot read " + target.ToString() + ": " + current.status().message());
  }
  if (kube::ObjectUid(*current) != resolved_.uid) {
    return std::make_pair(std::string("target_replaced"),
                          target.ToString() + " was deleted and created again (new uid " +
                              kube::ObjectUid(*current) + ")");
  }
  std::string why;
  if (RolloutByOthersInProgress(*current, id_, deps_.clock.Now(), &why)) {
    return std::make_pair(std::string("rollout_in_progress"), why);
  }
  *workload = std::move(*current);
  return std::nullopt;
}

std::string Remediation::Run(std::stop_token stop) {
  deps_.metrics.in_progress.Increment();
  const std::string& name = playbook_->name;
  const std::string target = resolved_.target.ToString();
  std::string outcome = "unhealed";
  std::optional<std::chrono::milliseconds> time_to_heal;
  bool people_told = false;  // the last step was a notify that went out: it is the escalation
  const actions::BlastRadius limits = deps_.guardrails.BlastRadiusFor(*playbook_);
  Verifier verifier(Verifier::Deps{deps_.journal, deps_.kube, deps_.prometheus, deps_.clock,
                                   deps_.sleeper, deps_.poll_interval});

  for (int i = first_step_; i < static_cast<int>(playbook_->steps.size()); ++i) {
    const playbook::Step& step = playbook_->steps[i];
    if (stop.stop_requested()) {
      outcome = "interrupted";
      break;
    }
    SetPhase(i, "acting");
    nlohmann::json workload;
    std::optional<std::pair<std::string, std::string>> skip = PreStepCheck(i, &workload);
    // Someone else's rollout is not interrupted, but a rollout that stalls (past its progress
    // deadline) is what healing is for: wait, re-checking, until it finishes or stalls.
    if (skip && skip->first == "rollout_in_progress") {
      Record(HealRecord::Kind::kDecision, i, step.action, "waiting", skip->first, skip->second);
      SetPhase(i, "waiting for a rollout");
      while (skip && skip->first == "rollout_in_progress" &&
             deps_.sleeper.SleepFor(deps_.poll_interval, stop)) {
        skip = PreStepCheck(i, &workload);
      }
      if (stop.stop_requested()) {
        outcome = "interrupted";
        break;
      }
      SetPhase(i, "acting");
    }
    if (skip) {
      Record(HealRecord::Kind::kDecision, i, step.action, "skipped", skip->first, skip->second);
      outcome = skip->first == "resolved" && i > 0 ? "healed" : "skipped";
      if (skip->first == "target_unreadable") outcome = "unhealed";
      break;
    }
    if (!dry_run_ && ActionChangesCluster(step.action)) {
      if (std::optional<Refusal> refusal = deps_.guardrails.CheckAction(*playbook_)) {
        deps_.metrics.GuardrailBlocked(refusal->reason);
        Record(HealRecord::Kind::kAction, i, step.action, "refused", refusal->reason,
               refusal->message);
        Notify(Kind::kRefusal, "Refused: " + step.action + " on " + target, refusal->message,
               false);
        outcome = "refused";
        break;
      }
    }

    // A mark for this very step means an earlier run acted and then stopped: verify instead.
    std::optional<HealMark> mark = ReadHealMark(workload);
    bool already_acted = !dry_run_ && mark && mark->remediation == id_ && mark->step == i;
    actions::ActionResult result;
    std::chrono::milliseconds took{0};
    if (already_acted) {
      result.outcome = Outcome::kNoop;
      result.message = "step already taken at " +
                       common::FormatRfc3339(common::Timestamp::FromTimePoint(mark->at)) +
                       " before a restart; verifying it";
    } else {
      if (!dry_run_ && ActionChangesCluster(step.action)) {
        HealMark next;
        next.remediation = id_;
        next.playbook = name;
        next.step = i;
        next.action = step.action;
        next.at = deps_.clock.Now();
        common::Result<nlohmann::json> marked =
            deps_.kube.Patch(resolved_.target.resource(), resolved_.target.ns,
                             resolved_.target.name, kube::PatchType::kMerge, HealMarkPatch(next));
        if (!marked.ok()) {
          spdlog::warn("heal {}: cannot mark {}: {}", id_, target, marked.status().message());
        }
      }
      notify::Notification prefilled = base_notification_;
      actions::ActionContext ctx{resolved_.target, vars_,       limits,
                                 dry_run_,         deps_.kube,  deps_.http,
                                 deps_.notifier,   prefilled,   deps_.clock,
                                 deps_.sleeper,    stop};
      const auto started = deps_.clock.MonotonicNow();
      result = step.impl->Run(ctx);
      took = Since(deps_.clock, started);
    }
    const std::string result_name(actions::OutcomeName(result.outcome));
    deps_.metrics.ActionRan(name, step.action, result_name, took);
    Record(HealRecord::Kind::kAction, i, step.action, result_name, result.reason, result.message,
           took);

    switch (result.outcome) {
      case Outcome::kRefused:
        // The guardrail forbids this action on this target, not the remediation: a later step
        // (a gentler one, or the escalation) may still run.
        deps_.metrics.GuardrailBlocked(result.reason);
        WriteEvent(workload, "Warning", "refused to " + step.action + ": " + result.message);
        Notify(Kind::kRefusal, "Refused: " + step.action + " on " + target, result.message,
               false);
        continue;
      case Outcome::kFailed:
        WriteEvent(workload, "Warning", step.action + " failed: " + result.message);
        Notify(Kind::kAction, Capitalized(step.action) + " failed on " + target, result.message,
               false);
        continue;  // the next step may succeed where this one could not act
      case Outcome::kDryRun:
        Notify(Kind::kAction, "Dry run: " + result.message, "nothing was changed", true);
        outcome = "dry_run";
        continue;  // record the whole path; there is nothing to verify
      case Outcome::kDone:
        if (ActionChangesCluster(step.action)) {
          deps_.guardrails.RecordAction(name, target, deps_.clock.Now());
        }
        WriteEvent(workload, "Normal", result.message);
        if (step.action != "notify") {  // its message is the notification
          Notify(Kind::kAction, Capitalized(result.message),
                 "playbook " + name + ", step " + std::to_string(i + 1) + " of " +
                     std::to_string(playbook_->steps.size()),
                 true);
        }
        break;
      case Outcome::kNoop:
        break;
    }
    people_told = step.action == "notify" && result.outcome == Outcome::kDone;
    // notify, webhook and wait change nothing in the cluster that could be verified; in a dry
    // run nothing changed at all.
    if (!ActionChangesCluster(step.action)) continue;
    if (dry_run_) {
      outcome = "dry_run";
      continue;
    }

    SetPhase(i, "verifying");
    VerifyOutcome verified = verifier.Verify(
        step.verify, resolved_.target, [this] { return Episodes(); }, vars_, stop);
    Record(HealRecord::Kind::kVerify, i, step.action, verified.passed ? "passed" : "failed",
           verified.reason, verified.message, verified.took);
    if (verified.reason == "stopped") {
      outcome = "interrupted";
      break;
    }
    deps_.metrics.StepVerified(name, step.action, verified.passed);
    if (verified.passed) {
      outcome = "healed";
      common::Result<common::Timestamp> started = common::ParseRfc3339(first_.key.starts_at);
      if (started.ok()) {
        time_to_heal = std::max(std::chrono::milliseconds(0),
                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deps_.clock.Now() - started->ToTimePoint()));
      }
      break;
    }
  }

  SetPhase(snapshot().step, "done");
  if (outcome == "unhealed") {
    std::string message = "every step of playbook " + name + " ran and " + target +
                          " is still not healthy: a person must look";
    Record(HealRecord::Kind::kEscalation, -1, "", "escalated", "steps_exhausted", message);
    if (!people_told) Notify(Kind::kEscalation, "Could not heal " + target, message, false);
    deps_.metrics.Escalated(name);
  } else if (outcome == "healed") {
    Notify(Kind::kOutcome, "Healed " + target,
           time_to_heal ? "verified: the alert resolved and the workload is ready"
                        : "the alert resolved",
           true, time_to_heal);
  }
  Record(HealRecord::Kind::kOutcome, -1, "", outcome, "", "remediation " + outcome,
         time_to_heal.value_or(std::chrono::milliseconds(0)));
  if (outcome == "healed" || outcome == "unhealed") {
    deps_.guardrails.RecordOutcome(target, outcome == "healed", deps_.clock.Now());
  }
  deps_.metrics.RemediationEnded(
      name, outcome,
      time_to_heal ? std::optional<std::chrono::nanoseconds>(*time_to_heal) : std::nullopt);
  if (outcome != "interrupted") {
    std::vector<common::Status> saved =
        deps_.journal.SetStates(Episodes(), intake::EpisodeState::kHandled);
    for (const common::Status& s : saved) {
      if (!s.ok()) spdlog::error("heal {}: cannot record the episode as handled: {}", id_, s.message());
    }
  }
  deps_.metrics.in_progress.Decrement();
  return outcome;
}

}  // namespace rebound::controller::healing
