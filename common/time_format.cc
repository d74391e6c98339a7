#include "common/time_format.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace rebound::common {
namespace {

namespace chrono = std::chrono;

// Seconds since the Unix epoch at midnight UTC starting `date` (proleptic Gregorian).
int64_t EpochSeconds(chrono::year_month_day date) {
  return chrono::sys_seconds(chrono::sys_days(date)).time_since_epoch().count();
}

// Reads exactly `n` digits at text[pos]; advances pos.
bool ReadDigits(std::string_view text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Timestamp Timestamp::Zero() { return Timestamp{EpochSeconds(chrono::year(1) / 1 / 1), 0}; }

Timestamp Timestamp::FromTimePoint(std::chrono::system_clock::time_point tp) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
  int64_t s = ns / 1'000'000'000;
  int64_t n = ns % 1'000'000'000;
  if (n < 0) {
    n += 1'000'000'000;
    --s;
  }
  return Timestamp{s, static_cast<int32_t>(n)};
}

int64_t Timestamp::UnixNanos() const {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (seconds > kMax / 1'000'000'000 - 1) return kMax;
  if (seconds < kMin / 1'000'000'000 + 1) return kMin;
  return seconds * 1'000'000'000 + nanos;
}

Result<Timestamp> ParseRfc3339(std::string_view text) {
  auto fail = [&](std::string_view why) {
    // Cut at a UTF-8 character boundary: the message is echoed in JSON, which must be valid UTF-8.
    size_t cut = std::min<size_t>(text.size(), 64);
    while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    return InvalidArgument("invalid RFC 3339 timestamp \"" + std::string(text.substr(0, cut)) +
                           "\": " + std::string(why));
  };
  size_t pos = 0;
  int y, m, d, hour, minute, second;
  if (!ReadDigits(text, pos, 4, y) || !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, m) ||
      !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, d)) {
    return fail("expected YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return fail("expected 'T'");
  ++pos;
  if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return fail("expected hh:mm:ss");
  }
  const chrono::year_month_day date{chrono::year(y), chrono::month(static_cast<unsigned>(m)),
                                    chrono::day(static_cast<unsigned>(d))};
  if (y < 1 || !date.ok() || hour > 23 || minute > 59 || second > 59) {
    return fail("date or time out of range");
  }
  int32_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return fail("more than 9 fractional digits");
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return fail("expected digits after '.'");
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, om) ||
        oh > 23 || om > 59) {
      return fail("bad UTC offset");
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return fail("expected 'Z' or a UTC offset");
  }
  if (pos != text.size()) return fail("trailing characters");
  int64_t secs = EpochSeconds(date) + hour * 3600 + minute * 60 + second - offset_seconds;
  // An offset can move the instant to year 0 or 10000 in UTC, which FormatRfc3339 cannot write
  // in a form this function reads back.
  if (secs < Timestamp::Zero().seconds || secs >= EpochSeconds(chrono::year(10000) / 1 / 1)) {
    return fail("outside years 0001-9999 in UTC");
  }
  return Timestamp{secs, nanos};
}

std::string FormatRfc3339(Timestamp ts) {
  const chrono::sys_seconds instant{chrono::seconds(ts.seconds)};
  const chrono::sys_days midnight = chrono::floor<chrono::days>(instant);
  const chrono::year_month_day date(midnight);
  const int64_t rem = (instant - midnight).count();
  std::string out =
      fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  rem / 3600, (rem / 60) % 60, rem % 60);
  if (ts.nanos != 0) {
    std::string frac = fmt::format("{:09d}", ts.nanos);
    while (frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
  out += 'Z';
  return out;
}

}  // namespace rebound::common
