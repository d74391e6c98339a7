// Reading the scheduling fields of an experiment's spec (schedule, every, jitter, timezone,
// windows, suspend, startingDeadline) into a Schedule, for experiment_loader.cc.
//
// Thread-safety: reentrant.
#pragma once

#include <optional>

#include "common/yaml_util.h"
#include "controller/chaos/schedule.h"

namespace rebound::controller::chaos {

// The spec keys ReadSchedule reads.
inline constexpr std::string_view kScheduleKeys[] = {
    "schedule", "every", "jitter", "timezone", "windows", "suspend", "startingDeadline"};

// The Schedule of `spec`; nullopt after adding every problem to spec.errors().
std::optional<Schedule> ReadSchedule(const common::StrictMap& spec);

}  // namespace rebound::controller::chaos
