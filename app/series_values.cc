#include "app/series_values.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace rebound::app {
namespace {

std::optional<double> Number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> Count(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The position of the "+" or "-" between a and b in "a+b", or npos: not the sign of a, nor
// that of an exponent ("1e-3").
size_t OperatorOf(std::string_view base) {
  for (size_t i = base.size(); i-- > 1;) {
    if ((base[i] == '+' || base[i] == '-') && base[i - 1] != 'e' && base[i - 1] != 'E') return i;
  }
  return std::string_view::npos;
}

}  // namespace

common::Result<std::vector<double>> ParseSeriesValues(std::string_view text) {
  std::vector<double> values;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ' || text[pos] == '\t') {
      ++pos;
      continue;
    }
    const size_t end = std::min(text.find_first_of(" \t", pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    pos = end;
    auto bad = [&] {
      return common::InvalidArgument(
          "\"" + std::string(item) +
          "\" is not a value, a+bxn, a-bxn, axn, _ or _xn (promtool's series notation)");
    };
    const size_t x = item.rfind('x');
    std::optional<uint64_t> repeat = x == std::string_view::npos ? 0 : Count(item.substr(x + 1));
    if (!repeat) return bad();
    const std::string_view base = item.substr(0, x);
    if (*repeat > kMaxSeriesValues || values.size() + *repeat + 1 > kMaxSeriesValues) {
      return common::InvalidArgument("more than " + std::to_string(kMaxSeriesValues) +
                                     " values in one series");
    }
    if (base == "_") {
      // "_xn" is n missing points; "_" alone is one.
      values.insert(values.end(), x == std::string_view::npos ? 1 : *repeat,
                    std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const size_t op = x == std::string_view::npos ? std::string_view::npos : OperatorOf(base);
    std::optional<double> first = Number(base.substr(0, op));
    if (!first) return bad();
    double increment = 0;
    if (op != std::string_view::npos) {
      std::optional<double> b = Number(base.substr(op + 1));
      if (!b) return bad();
      increment = base[op] == '-' ? -*b : *b;
    }
    for (uint64_t i = 0; i <= *repeat; ++i) {
      values.push_back(*first + static_cast<double>(i) * increment);
    }
  }
  return values;
}

}  // namespace rebound::app
