#include "controller/chaos/time_zone.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

namespace rebound::controller::chaos {

struct TimeZone::Impl {
  std::string name;
  cctz::time_zone zone;
};

namespace {

using std::chrono::local_seconds;
using std::chrono::sys_seconds;

bool IsZoneName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

// cctz's civil seconds and std::chrono's local seconds count from the same 1970-01-01 00:00.
cctz::civil_second ToCivil(local_seconds t) {
  return cctz::civil_second(1970, 1, 1, 0, 0, 0) + t.time_since_epoch().count();
}

local_seconds FromCivil(const cctz::civil_second& c) {
  return local_seconds(std::chrono::seconds(c - cctz::civil_second(1970, 1, 1, 0, 0, 0)));
}

sys_seconds FromCctz(const cctz::time_point<cctz::seconds>& t) {
  return sys_seconds(std::chrono::seconds(t.time_since_epoch().count()));
}

}  // namespace

TimeZone::TimeZone() : impl_(std::make_shared<const Impl>(Impl{"UTC", cctz::utc_time_zone()})) {}

common::Result<TimeZone> TimeZone::Load(std::string_view name) {
  if (!IsZoneName(name)) {
    return common::InvalidArgument("\"" + std::string(name) +
                                   "\" is not a time zone name; use an IANA name such as "
                                   "\"Europe/Berlin\" or \"UTC\"");
  }
  cctz::time_zone zone;
  if (!cctz::load_time_zone(std::string(name), &zone)) {
    return common::InvalidArgument("unknown time zone \"" + std::string(name) +
                                   "\" (not in the system's tzdata, /usr/share/zoneinfo); use an "
                                   "IANA name such as \"Europe/Berlin\" or \"UTC\"");
  }
  return TimeZone(std::make_shared<const Impl>(Impl{std::string(name), zone}));
}

const std::string& TimeZone::name() const { return impl_->name; }

local_seconds TimeZone::ToLocal(sys_seconds t) const {
  const cctz::time_point<cctz::seconds> point(cctz::seconds(t.time_since_epoch().count()));
  return FromCivil(cctz::convert(point, impl_->zone));
}

LocalTimeLookup TimeZone::Lookup(local_seconds local) const {
  const cctz::time_zone::civil_lookup found = impl_->zone.lookup(ToCivil(local));
  switch (found.kind) {
    case cctz::time_zone::civil_lookup::UNIQUE:
      return {LocalTimeKind::kUnique, FromCctz(found.pre)};
    case cctz::time_zone::civil_lookup::SKIPPED:
      return {LocalTimeKind::kSkipped, FromCctz(found.trans)};
    case cctz::time_zone::civil_lookup::REPEATED:
      return {LocalTimeKind::kRepeated, FromCctz(found.pre)};
  }
  return {LocalTimeKind::kUnique, FromCctz(found.pre)};
}

}  // namespace rebound::controller::chaos
