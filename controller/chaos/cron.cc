#include "controller/chaos/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>
#include <vector>

namespace rebound::controller::chaos {
namespace {

using std::chrono::days;
using std::chrono::local_days;
using std::chrono::local_seconds;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

struct Field {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] is the value min + i
  size_t name_count = 0;
};

constexpr Field kMinute{"minute", 0, 59};
constexpr Field kHour{"hour", 0, 23};
constexpr Field kDayOfMonth{"day-of-month", 1, 31};
constexpr Field kMonth{"month", 1, 12, kMonthNames.data(), kMonthNames.size()};
// 7 is Sunday too; folded onto 0 after parsing.
constexpr Field kDayOfWeek{"day-of-week", 0, 7, kDayNames.data(), kDayNames.size()};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

// The days of each month in a leap year: what a day-of-month can ever reach.
constexpr std::array<int, 13> kMaxDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int> ParseNumber(std::string_view s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

class FieldParser {
 public:
  FieldParser(const Field& field, std::string_view text) : field_(field), text_(text) {}

  // The values the field selects (bit i = value i).
  common::Result<uint64_t> Parse() {
    uint64_t bits = 0;
    size_t start = 0;
    while (true) {
      size_t comma = text_.find(',', start);
      std::string_view item = text_.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      common::Result<uint64_t> item_bits = ParseItem(item);
      if (!item_bits.ok()) return item_bits.status();
      bits |= *item_bits;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return bits;
  }

 private:
  common::Status Error(const std::string& problem) const {
    return common::InvalidArgument(std::string(field_.name) + " \"" + std::string(text_) +
                                   "\": " + problem);
  }

  common::Result<int> Value(std::string_view s) const {
    if (std::optional<int> n = ParseNumber(s)) {
      if (*n < field_.min || *n > field_.max) {
        return Error(std::to_string(*n) + " is outside " + std::to_string(field_.min) + "-" +
                     std::to_string(field_.max));
      }
      return *n;
    }
    const std::string lower = Lower(s);
    for (size_t i = 0; i < field_.name_count; ++i) {
      if (field_.names[i] == lower) return field_.min + static_cast<int>(i);
    }
    std::string expected =
        "a number " + std::to_string(field_.min) + "-" + std::to_string(field_.max);
    if (field_.name_count > 0) {
      expected += " or a name " + std::string(field_.names[0]) + "-" +
                  std::string(field_.names[field_.name_count - 1]);
    }
    return Error("\"" + std::string(s) + "\" is not " + expected);
  }

  common::Result<uint64_t> ParseItem(std::string_view item) const {
    if (item.empty()) return Error("empty item in a list (two commas, or one at an end)");
    std::string_view range = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::optional<int> n = ParseNumber(item.substr(slash + 1));
      if (!n || *n < 1) return Error("a step is a whole number of at least 1");
      if (*n > field_.max - field_.min) {
        return Error("step " + std::to_string(*n) + " is larger than the field's range " +
                     std::to_string(field_.min) + "-" + std::to_string(field_.max));
      }
      step = *n;
      has_step = true;
    }
    int low = field_.min;
    int high = field_.max;
    if (range != "*") {
      size_t dash = range.find('-');
      common::Result<int> first = Value(range.substr(0, dash));
      if (!first.ok()) return first.status();
      low = high = *first;
      if (dash != std::string_view::npos) {
        common::Result<int> last = Value(range.substr(dash + 1));
        if (!last.ok()) return last.status();
        high = *last;
        if (high < low) {
          return Error("the range " + std::string(range) +
                       " runs backwards; write it as two items, such as 5-6,0-1");
        }
      } else if (has_step) {
        return Error("a step needs a range: write " + std::string(range) + "-" +
                     std::to_string(field_.max) + "/" + std::to_string(step));
      }
    }
    uint64_t bits = 0;
    for (int v = low; v <= high; v += step) bits |= uint64_t{1} << v;
    return bits;
  }

  const Field& field_;
  std::string_view text_;
};

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Day-of-week bits with 7 folded onto Sunday.
std::bitset<7> FoldSunday(uint64_t bits) {
  if (bits & (uint64_t{1} << 7)) bits |= 1;
  return std::bitset<7>(bits & 0x7f);
}

}  // namespace

common::Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::string_view expression = text;
  if (!text.empty() && text.front() == '@') {
    const std::string lower = Lower(text);
    expression = {};
    for (const auto& [macro, expansion] : kMacros) {
      if (lower == macro) expression = expansion;
    }
    if (lower.starts_with("@every")) {
      return common::InvalidArgument("\"" + std::string(text) +
                                     "\": write a fixed period as `every:` (with `jitter:`), "
                                     "not in the schedule");
    }
    if (expression.empty()) {
      return common::InvalidArgument(
          "unknown macro \"" + std::string(text) +
          "\" (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)");
    }
  }
  std::vector<std::string_view> fields = SplitFields(expression);
  if (fields.size() != 5) {
    return common::InvalidArgument(
        "\"" + std::string(text) + "\" has " + std::to_string(fields.size()) +
        " field(s); a cron schedule has 5: minute hour day-of-month month day-of-week, such as "
        "\"*/30 9-17 * * MON-FRI\"");
  }
  CronSchedule out;
  out.text_ = std::string(text);
  const std::array<const Field*, 5> specs = {&kMinute, &kHour, &kDayOfMonth, &kMonth, &kDayOfWeek};
  std::array<uint64_t, 5> bits{};
  for (size_t i = 0; i < 5; ++i) {
    common::Result<uint64_t> parsed = FieldParser(*specs[i], fields[i]).Parse();
    if (!parsed.ok()) return parsed.status();
    bits[i] = *parsed;
  }
  out.minutes_ = std::bitset<60>(bits[0]);
  out.hours_ = std::bitset<24>(bits[1]);
  out.days_of_month_ = std::bitset<32>(bits[2]);
  out.months_ = std::bitset<13>(bits[3]);
  out.days_of_week_ = FoldSunday(bits[4]);
  out.dom_star_ = fields[2].front() == '*';
  out.dow_star_ = fields[4].front() == '*';
  if (out.dom_star_ || out.dow_star_) {  // the day-of-month restricts: it must exist somewhere
    bool possible = false;
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= kMaxDays[m]; ++d) possible |= out.months_[m] && out.days_of_month_[d];
    }
    if (!possible) {
      return common::InvalidArgument("\"" + std::string(text) +
                                     "\" never fires: none of its months has any of its days");
    }
  }
  return out;
}

bool CronSchedule::DayMatches(year_month_day date) const {
  const bool dom = days_of_month_[static_cast<unsigned>(date.day())];
  const bool dow = days_of_week_[std::chrono::weekday(local_days(date)).c_encoding()];
  return dom_star_ || dow_star_ ? dom && dow : dom || dow;
}

bool CronSchedule::Matches(local_seconds t) const {
  const local_days day = std::chrono::floor<days>(t);
  const year_month_day date(day);
  const auto minute_of_day = std::chrono::floor<std::chrono::minutes>(t - day).count();
  return months_[static_cast<unsigned>(date.month())] && DayMatches(date) &&
         FiresAt(static_cast<int>(minute_of_day / 60), static_cast<int>(minute_of_day % 60));
}

bool CronSchedule::MayFireOn(std::chrono::weekday weekday) const {
  // Under the OR rule the day-of-month's days fall on every weekday over the years.
  return !(dom_star_ || dow_star_) || days_of_week_[weekday.c_encoding()];
}

std::optional<local_seconds> CronSchedule::NextAfter(local_seconds after) const {
  const local_seconds start =
      std::chrono::floor<std::chrono::minutes>(after) + std::chrono::minutes(1);
  local_days day = std::chrono::floor<days>(start);
  auto minute_of_day = std::chrono::floor<std::chrono::minutes>(start - day).count();
  const std::chrono::year limit = year_month_day(day).year() + std::chrono::years(28);
  while (true) {
    const year_month_day date(day);
    if (date.year() > limit) return std::nullopt;
    if (!months_[static_cast<unsigned>(date.month())]) {
      day = local_days((date.year() / date.month() + std::chrono::months(1)) / 1);
      minute_of_day = 0;
    } else if (!DayMatches(date)) {
      day += days(1);
      minute_of_day = 0;
    } else if (minute_of_day >= 24 * 60) {
      day += days(1);
      minute_of_day = 0;
    } else if (!hours_[minute_of_day / 60]) {
      minute_of_day = (minute_of_day / 60 + 1) * 60;
    } else if (!minutes_[minute_of_day % 60]) {
      ++minute_of_day;
    } else {
      return day + std::chrono::minutes(minute_of_day);
    }
  }
}

common::Result<std::bitset<7>> ParseDaysOfWeek(std::string_view text) {
  common::Result<uint64_t> bits = FieldParser(kDayOfWeek, text).Parse();
  if (!bits.ok()) return bits.status();
  return FoldSunday(*bits);
}

}  // namespace rebound::controller::chaos
