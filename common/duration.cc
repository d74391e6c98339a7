#include "common/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace rebound::common {
namespace {

struct Unit {
  std::string_view name;
  int64_t millis;
};

// Longest first, and "ms" before "m" so that the parser tries the longer suffix first.
constexpr std::array<Unit, 7> kUnits = {{
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return InvalidArgument("invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                           " (use e.g. 30s, 5m, 1h30m)");
  };
  if (text.empty()) return fail("empty");
  if (text == "0") return std::chrono::milliseconds(0);

  int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits: units must appear in decreasing order
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return fail("expected a number");
    int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return fail("too large");
      value = value * 10 + digit;
      ++i;
    }
    size_t end = i;
    while (end < text.size() && (text[end] < '0' || text[end] > '9')) ++end;
    std::string_view suffix = text.substr(i, end - i);
    if (suffix.empty()) return fail("missing unit");
    size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u].name != suffix) ++u;
    if (u == kUnits.size()) {
      for (const Unit& unit : kUnits) {
        if (unit.name == suffix) return fail("units must go from largest to smallest, once each");
      }
      return fail("unknown unit \"" + std::string(suffix) + "\"");
    }
    if (value > std::numeric_limits<int64_t>::max() / kUnits[u].millis ||
        total > std::numeric_limits<int64_t>::max() - value * kUnits[u].millis) {
      return fail("too large");
    }
    total += value * kUnits[u].millis;
    next_unit = u + 1;
    i = end;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() == 0) return "0s";
  // Unsigned: the magnitude of milliseconds::min() does not fit in int64_t.
  uint64_t ms = static_cast<uint64_t>(d.count());
  std::string out;
  if (d.count() < 0) {
    out = "-";
    ms = 0 - ms;
  }
  for (const Unit& unit : kUnits) {
    const auto unit_ms = static_cast<uint64_t>(unit.millis);
    // Prometheus prints weeks and years only when they divide the value exactly.
    if ((unit.name == "y" || unit.name == "w") && ms % unit_ms != 0) continue;
    if (ms >= unit_ms) {
      out += std::to_string(ms / unit_ms);
      out += unit.name;
      ms %= unit_ms;
    }
  }
  return out;
}

}  // namespace rebound::common
