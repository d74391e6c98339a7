#include "controller/healing/guardrails.h"

#include <algorithm>
#include <tuple>

#include "common/duration.h"
#include "controller/healing/outcome.h"

namespace rebound::controller::healing {
namespace {

constexpr std::chrono::hours kHour(1);

Refusal MakeRefusal(std::string reason, std::string message) {
  Refusal r;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

std::string Human(std::chrono::system_clock::duration d) {
  return common::FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

// When a full rolling-hour cap lifts: as the oldest counted action leaves the hour. With none
// counted the cap is 0 (or less) and never lifts.
std::string NextAllowed(const std::deque<std::chrono::system_clock::time_point>& times,
                        std::chrono::system_clock::time_point now) {
  if (times.empty()) return ", so no action is ever allowed";
  return "; the next is allowed in " + Human(times.front() + kHour - now);
}

// "1 action", "3 actions".
std::string Plural(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

}  // namespace

Guardrails::Guardrails(GuardrailConfig config, const common::Clock& clock)
    : config_(std::move(config)), clock_(clock), paused_(config_.paused) {}

void Guardrails::Prune(std::deque<TimePoint>& times, TimePoint now) const {
  while (!times.empty() && times.front() <= now - kHour) times.pop_front();
}

std::optional<Refusal> Guardrails::CheckCaps(const playbook::Playbook& playbook,
                                             TimePoint now) const {
  if (paused_) {
    return MakeRefusal("paused",
                       "the kill switch is on (POST /api/v1/resume to let healing act again)");
  }
  Prune(actions_, now);
  if (static_cast<int>(actions_.size()) >= config_.max_actions_per_hour) {
    return MakeRefusal("max_per_hour",
                       Plural(actions_.size(), "action") + " in the last hour reach the " +
                           "global cap of " + std::to_string(config_.max_actions_per_hour) +
                           " (guardrails.max_actions_per_hour)" + NextAllowed(actions_, now));
  }
  if (playbook.guardrails.max_per_hour) {
    std::deque<TimePoint>& times = playbook_actions_[playbook.name];
    Prune(times, now);
    if (static_cast<int>(times.size()) >= *playbook.guardrails.max_per_hour) {
      return MakeRefusal("playbook_max_per_hour",
                         "playbook " + playbook.name + " took " + Plural(times.size(), "action") +
                             " in the last hour, its cap (spec.guardrails.maxPerHour) is " +
                             std::to_string(*playbook.guardrails.max_per_hour) +
                             NextAllowed(times, now));
    }
  }
  return std::nullopt;
}

std::optional<Refusal> Guardrails::CheckStart(const playbook::Playbook& playbook,
                                              const actions::Target& target,
                                              bool resuming) const {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  if (paused_) return CheckCaps(playbook, now);
  const auto& protected_ns = config_.protected_namespaces;
  if (std::find(protected_ns.begin(), protected_ns.end(), target.ns) != protected_ns.end()) {
    return MakeRefusal("protected_namespace",
                       "namespace " + target.ns +
                           " is protected (guardrails.protected_namespaces): Rebound never acts "
                           "there");
  }
  const std::string key = target.ToString();
  if (auto it = failures_.find(key); it != failures_.end()) {
    const size_t recent = RecentFailures(it->second, now);
    if (static_cast<int>(recent) >= config_.circuit_breaker_failures) {
      // Only the last K failures are kept and all of them are recent: the breaker closes by
      // itself when the oldest leaves the window.
      return MakeRefusal("circuit_open",
                         std::to_string(recent) + " remediations of " + key + " failed within " +
                             Human(config_.circuit_breaker_window) +
                             " (guardrails.circuit_breaker): a person must look; it closes in " +
                             Human(it->second.front() + config_.circuit_breaker_window - now) +
                             " or when a remediation of it succeeds");
    }
  }
  std::chrono::milliseconds cooldown = playbook.guardrails.cooldown.value_or(config_.cooldown);
  if (auto it = last_action_.find({playbook.name, key}); !resuming && it != last_action_.end()) {
    if (now - it->second < cooldown) {
      return MakeRefusal("cooldown", "playbook " + playbook.name + " acted on " + key + " " +
                                         Human(now - it->second) + " ago; cooldown is " +
                                         Human(cooldown) + ", so it may act again in " +
                                         Human(it->second + cooldown - now));
    }
  }
  return CheckCaps(playbook, now);
}

size_t Guardrails::RecentFailures(const std::deque<TimePoint>& failures, TimePoint now) const {
  return std::count_if(failures.begin(), failures.end(),
                       [&](TimePoint t) { return t > now - config_.circuit_breaker_window; });
}

std::vector<std::string> Guardrails::OpenCircuits() const {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  std::vector<std::string> open;
  for (const auto& [target, failures] : failures_) {
    if (static_cast<int>(RecentFailures(failures, now)) >= config_.circuit_breaker_failures) {
      open.push_back(target);
    }
  }
  return open;
}

std::optional<Refusal> Guardrails::CheckAction(const playbook::Playbook& playbook) const {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  return CheckCaps(playbook, now);
}

void Guardrails::RecordAction(const std::string& playbook, const std::string& target,
                              TimePoint at) {
  std::lock_guard lock(mu_);
  actions_.push_back(at);
  playbook_actions_[playbook].push_back(at);
  TimePoint& last = last_action_[{playbook, target}];
  last = std::max(last, at);
}

void Guardrails::NoteAction(const std::string& playbook, const std::string& target,
                            TimePoint at) {
  std::lock_guard lock(mu_);
  TimePoint& last = last_action_[{playbook, target}];
  last = std::max(last, at);
}

void Guardrails::RecordOutcome(const std::string& target, bool healed, TimePoint at) {
  std::lock_guard lock(mu_);  // config_ too
  if (healed) {
    failures_.erase(target);
    return;
  }
  std::deque<TimePoint>& failures = failures_[target];
  failures.push_back(at);
  while (failures.size() > static_cast<size_t>(std::max(config_.circuit_breaker_failures, 1))) {
    failures.pop_front();
  }
}

void Guardrails::Restore(const std::vector<HealRecord>& records,
                         const actions::ActionRegistry& actions) {
  // Replayed oldest first whatever the caller's order (HealLog::Recent is newest first): the
  // hourly windows are pruned from the front, and a success only clears earlier failures.
  std::vector<const HealRecord*> ordered;
  ordered.reserve(records.size());
  for (const HealRecord& r : records) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const HealRecord* a, const HealRecord* b) {
    return std::tie(a->at, a->id) < std::tie(b->at, b->id);
  });
  for (const HealRecord* record : ordered) {
    const HealRecord& r = *record;
    if (r.kind == HealRecord::Kind::kAction) {
      const actions::ActionFactory* factory = actions.Find(r.action);
      if (r.result == actions::OutcomeName(actions::ActionResult::Outcome::kDone) &&
          (factory == nullptr || factory->Traits().changes_cluster)) {
        RecordAction(r.playbook, r.target, r.at);
      }
    } else if (r.kind == HealRecord::Kind::kOutcome) {
      const std::optional<RemediationOutcome> outcome = RemediationOutcomeFromName(r.result);
      if (outcome == RemediationOutcome::kHealed || outcome == RemediationOutcome::kUnhealed) {
        RecordOutcome(r.target, outcome == RemediationOutcome::kHealed, r.at);
      }
    }
  }
}

void Guardrails::SetPaused(bool paused) {
  std::lock_guard lock(mu_);
  paused_ = paused;
}

bool Guardrails::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}

void Guardrails::Reconfigure(GuardrailConfig config) {
  std::lock_guard lock(mu_);
  paused_ = paused_ || config.paused;
  config_ = std::move(config);
}

GuardrailConfig Guardrails::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

bool Guardrails::DryRun(const playbook::Playbook& playbook) const {
  std::lock_guard lock(mu_);
  return config_.dry_run || playbook.dry_run;
}

actions::BlastRadius Guardrails::BlastRadiusFor(const playbook::Playbook& playbook) const {
  std::lock_guard lock(mu_);
  actions::BlastRadius limits = config_.blast_radius;
  const playbook::GuardrailOverrides& o = playbook.guardrails;
  if (o.max_pods) limits.max_pods = *o.max_pods;
  if (o.max_percent) limits.max_percent = *o.max_percent;
  if (o.min_replicas) limits.min_replicas = *o.min_replicas;
  return limits;
}

}  // namespace rebound::controller::healing
