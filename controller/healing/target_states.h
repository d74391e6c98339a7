// TargetStates: which targets Rebound looks after are not healthy now, for
// rebound_target_state{namespace,kind,name,state} (DESIGN.md section 10). The healer reports
// when a remediation of a target starts and how it ends; the circuit breaker's state comes
// from the guardrails when asked (it closes by itself as failures leave its window).
//
//   healing       a remediation of the target is running
//   escalated     the last remediation of the target ran every step without healing it (a
//                 person must act); it lasts until every alert of that remediation resolved,
//                 or another remediation of the target starts
//   circuit_open  the circuit breaker refuses new remediations of the target
//
// A target may be escalated and circuit_open at once. Healthy targets are not listed, so the
// number of series follows trouble, not cluster size. The state is in memory: after a restart
// only circuit_open (rebuilt from the heal log) is known again.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "controller/actions/action.h"
#include "controller/healing/outcome.h"
#include "controller/intake/journal.h"

namespace rebound::controller::healing {

enum class TargetState { kHealing, kEscalated, kCircuitOpen };

// "healing" | "escalated" | "circuit_open"
std::string_view TargetStateName(TargetState state);

struct TargetInState {
  actions::Target target;
  TargetState state = TargetState::kHealing;
};

class TargetStates {
 public:
  // A remediation of `target` starts: it is healing, and no longer escalated.
  void Started(const actions::Target& target);
  // The remediation of `target` that handled `episodes` ended with `outcome`; kUnhealed (it
  // escalated) makes the target escalated until every one of `episodes` resolved.
  void Ended(const actions::Target& target, RemediationOutcome outcome,
             std::vector<intake::EpisodeKey> episodes);

  // The targets that are not healthy now, sorted by target then state: healing and escalated
  // ones (an escalation whose episodes `resolved` all says are over is dropped), and each of
  // `open_circuits` (Target::ToString() texts; any other text is left out) as circuit_open.
  std::vector<TargetInState> Current(const std::function<bool(const intake::EpisodeKey&)>& resolved,
                                     const std::vector<std::string>& open_circuits);

 private:
  struct Escalation {
    actions::Target target;
    std::vector<intake::EpisodeKey> episodes;
  };

  std::mutex mu_;
  std::map<std::string, actions::Target> healing_;  // by Target::ToString()
  std::map<std::string, Escalation> escalated_;     // by Target::ToString()
};

}  // namespace rebound::controller::healing
