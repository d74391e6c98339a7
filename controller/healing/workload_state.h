// What healing needs to know about a workload's state before and after acting: whether it is
// ready (verification), whether someone else's rollout is under way (then Rebound does not
// act, DESIGN.md section 4), and the `rebound.io/last-heal` annotation through which Rebound
// records on the object itself what it is doing, so that a restarted or newly elected
// controller neither repeats a step nor ignores a cooldown.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rebound::controller::healing {

inline constexpr std::string_view kLastHealAnnotation = "rebound.io/last-heal";

// Whether `workload` (a Deployment or StatefulSet as read) has finished rolling out with every
// replica ready and available and no old replica left; `why` says what is missing otherwise.
bool WorkloadReady(const nlohmann::json& workload, std::string* why);

// The content of the rebound.io/last-heal annotation.
struct HealMark {
  std::string remediation;  // "<fingerprint>@<startsAt>" of the remediation's first episode
  std::string playbook;
  int step = 0;
  std::string action;
  std::chrono::system_clock::time_point at;
  // The action's plan (actions::Action::Plan): what it will change, so that a step resumed
  // after a restart can tell from the cluster whether it did. Null when the action needs none
  // (and in marks written before plans existed).
  nlohmann::json plan;

  nlohmann::json ToJson() const;
};

// The mark on `workload`; nullopt when absent or unreadable (someone edited it by hand).
std::optional<HealMark> ReadHealMark(const nlohmann::json& workload);

// A merge patch setting the annotation to `mark`.
nlohmann::json HealMarkPatch(const HealMark& mark);

// Whether a rollout that Rebound did not start for `remediation` is progressing: the
// Deployment's Progressing condition says a new ReplicaSet is rolling out and its last progress
// is younger than spec.progressDeadlineSeconds (default 600 s; after that the rollout is stuck,
// and healing may act on it). StatefulSets: the update revision differs from the current one.
// `why` describes the rollout.
bool RolloutByOthersInProgress(const nlohmann::json& workload, const std::string& remediation,
                               std::chrono::system_clock::time_point now, std::string* why);

}  // namespace rebound::controller::healing
