#include "tools/kubesim/quantity.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

namespace rebound::kubesim {

common::Result<double> ParseQuantity(std::string_view text) {
  static const std::pair<std::string_view, double> kSuffixes[] = {{"Ki", 1024.0},
                                                                  {"Mi", 1048576.0},
                                                                  {"Gi", 1073741824.0},
                                                                  {"Ti", 1099511627776.0},
                                                                  {"Pi", 1125899906842624.0},
                                                                  {"Ei", 1152921504606846976.0},
                                                                  {"k", 1e3},
                                                                  {"M", 1e6},
                                                                  {"G", 1e9},
                                                                  {"T", 1e12},
                                                                  {"P", 1e15},
                                                                  {"E", 1e18},
                                                                  {"m", 1e-3}};
  auto invalid = [&] {
    return common::InvalidArgument("\"" + std::string(text) +
                                   "\" is not a quantity (e.g. 64Mi, 1.5Gi, 500M, 250m)");
  };
  std::string_view number = text;
  double multiplier = 1.0;
  for (const auto& [suffix, factor] : kSuffixes) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      multiplier = factor;
      break;
    }
  }
  if (number.empty() || number.front() == '+' || number.front() == ' ') return invalid();
  std::string copy(number);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0 ||
      copy.find_first_of("xXnN") != std::string::npos) {
    return invalid();
  }
  return value * multiplier;
}

}  // namespace rebound::kubesim
