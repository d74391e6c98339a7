// RFC 3339 timestamps as Alertmanager and Kubernetes write them.
//
// Accepts 0-9 fractional digits, "Z" or a numeric offset, and years 0001-9999 (Alertmanager's
// "no end" is 0001-01-01T00:00:00Z, which does not fit in 64-bit Unix nanoseconds, hence the
// seconds + nanos representation). Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::common {

struct Timestamp {
  int64_t seconds = 0;  // since the Unix epoch, may be negative
  int32_t nanos = 0;    // 0..999'999'999

  // Alertmanager's zero time, 0001-01-01T00:00:00Z ("no end").
  static Timestamp Zero();
  bool IsZero() const { return *this == Zero(); }

  static Timestamp FromTimePoint(std::chrono::system_clock::time_point tp);
  // Unix time in nanoseconds, saturating outside the representable range.
  int64_t UnixNanos() const;
  // The instant as a system_clock time point (saturating as UnixNanos does).
  std::chrono::system_clock::time_point ToTimePoint() const {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(UnixNanos())));
  }

  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// Parses an RFC 3339 timestamp; InvalidArgument describing the problem otherwise.
Result<Timestamp> ParseRfc3339(std::string_view text);

// Canonical UTC form: "2026-11-22T05:05:09.653Z", fractional digits trimmed of trailing zeros
// (none when the nanos are zero). Equal instants always give equal strings. Dates are
// std::chrono calendar dates, so an instant beyond the years -32767..32767 (std::chrono::year's
// range, far outside what ParseRfc3339 or a system clock gives) has no correct string.
std::string FormatRfc3339(Timestamp ts);

}  // namespace rebound::common
