// Time zones from the system's tzdata (/usr/share/zoneinfo, Debian package tzdata), through
// Google's cctz, for experiments' schedules and windows. cctz stays inside time_zone.cc.
//
// A local time can exist once, not at all (the gap when clocks spring forward) or twice (the
// fold when they fall back); Lookup says which, so that the scheduler can skip the first and
// run the second once.
//
// Thread-safety: a TimeZone is an immutable value; any number of threads may use one.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::chaos {

// How often a local time occurs in a zone.
enum class LocalTimeKind {
  kUnique,
  kSkipped,   // inside a gap: never shown by the clocks of the zone
  kRepeated,  // inside a fold: shown twice
};

struct LocalTimeLookup {
  LocalTimeKind kind = LocalTimeKind::kUnique;
  // kUnique: the instant; kRepeated: its first occurrence; kSkipped: the transition, the
  // instant the clocks jump over it.
  std::chrono::sys_seconds instant;
};

class TimeZone {
 public:
  // UTC, which needs no tzdata.
  TimeZone();

  // Loads an IANA zone such as "Europe/Berlin" or "UTC". InvalidArgument when the name is not
  // of that form (absolute paths and ".." are refused, so that no other file is read) or no
  // such zone exists in the system's tzdata.
  static common::Result<TimeZone> Load(std::string_view name);

  const std::string& name() const;
  // The local time the zone's clocks show at `t`.
  std::chrono::local_seconds ToLocal(std::chrono::sys_seconds t) const;
  // When the zone's clocks show `local`.
  LocalTimeLookup Lookup(std::chrono::local_seconds local) const;

 private:
  struct Impl;  // keeps <cctz/time_zone.h> out of this header
  explicit TimeZone(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<const Impl> impl_;
};

}  // namespace rebound::controller::chaos
