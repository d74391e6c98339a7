#include "controller/healing/target_states.h"

#include <algorithm>
#include <tuple>

namespace rebound::controller::healing {

std::string_view TargetStateName(TargetState state) {
  switch (state) {
    case TargetState::kHealing:
      return "healing";
    case TargetState::kEscalated:
      return "escalated";
    case TargetState::kCircuitOpen:
      return "circuit_open";
  }
  return "unknown";
}

void TargetStates::Started(const actions::Target& target) {
  const std::string key = target.ToString();
  std::lock_guard lock(mu_);
  healing_.insert_or_assign(key, target);
  escalated_.erase(key);
}

void TargetStates::Ended(const actions::Target& target, RemediationOutcome outcome,
                         std::vector<intake::EpisodeKey> episodes) {
  const std::string key = target.ToString();
  std::lock_guard lock(mu_);
  healing_.erase(key);
  if (outcome == RemediationOutcome::kUnhealed) {
    escalated_.insert_or_assign(key, Escalation{target, std::move(episodes)});
  }
}

std::vector<TargetInState> TargetStates::Current(
    const std::function<bool(const intake::EpisodeKey&)>& resolved,
    const std::vector<std::string>& open_circuits) {
  std::vector<TargetInState> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, target] : healing_) out.push_back({target, TargetState::kHealing});
    std::erase_if(escalated_, [&](const auto& entry) {
      return std::all_of(entry.second.episodes.begin(), entry.second.episodes.end(), resolved);
    });
    for (const auto& [key, escalation] : escalated_) {
      out.push_back({escalation.target, TargetState::kEscalated});
    }
  }
  for (const std::string& text : open_circuits) {
    if (std::optional<actions::Target> target = actions::Target::Parse(text)) {
      out.push_back({*target, TargetState::kCircuitOpen});
    }
  }
  std::sort(out.begin(), out.end(), [](const TargetInState& a, const TargetInState& b) {
    return std::tie(a.target.ns, a.target.kind, a.target.name, a.state) <
           std::tie(b.target.ns, b.target.kind, b.target.name, b.state);
  });
  return out;
}

}  // namespace rebound::controller::healing
