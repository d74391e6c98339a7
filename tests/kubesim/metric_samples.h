// Reading samples back from the Prometheus text format, for kubesim's tests.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace rebound::kubesim::testing {

// Every sample of the series `name` whose label text contains all of `match` (each like
// `pod="web-0"`), keyed by that label text.
inline std::map<std::string, double> Samples(const std::string& text, const std::string& name,
                                             const std::vector<std::string>& match = {}) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // "name{labels} value" or "name value"
    if (!line.starts_with(name) || line.size() <= name.size()) continue;
    char next = line[name.size()];
    size_t space = line.rfind(' ');
    if ((next != '{' && next != ' ') || space == std::string::npos) continue;
    std::string labels = line.substr(name.size(), space - name.size());
    bool all = true;
    for (const std::string& want : match) all = all && labels.find(want) != std::string::npos;
    if (all) out[labels] = std::stod(line.substr(space + 1));
  }
  return out;
}

inline double SumOf(const std::string& text, const std::string& name,
                    const std::vector<std::string>& match = {}) {
  double sum = 0;
  for (const auto& [labels, value] : Samples(text, name, match)) sum += value;
  return sum;
}

}  // namespace rebound::kubesim::testing
