#include "tests/support/metrics_reference.h"

#include <sstream>
#include <string_view>

namespace rebound::testing {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string Join(const std::set<std::string>& labels) {
  std::string joined;
  for (const std::string& label : labels) joined += (joined.empty() ? "" : ",") + label;
  return "{" + joined + "}";
}

// The label names of a series line's `{...}` part starting at `open`; false when malformed.
bool LabelNames(std::string_view line, size_t open, std::set<std::string>* names) {
  size_t i = open + 1;
  while (i < line.size() && line[i] != '}') {
    size_t equals = line.find('=', i);
    if (equals == std::string_view::npos || equals + 1 >= line.size() || line[equals + 1] != '"') {
      return false;
    }
    names->insert(std::string(line.substr(i, equals - i)));
    i = equals + 2;
    while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
    if (i >= line.size()) return false;
    ++i;  // the closing quote
    if (i < line.size() && line[i] == ',') ++i;
  }
  return i < line.size();
}

}  // namespace

std::string MetricsReferencePath() { return std::string(REBOUND_SOURCE_DIR) + "/docs/metrics.md"; }

FamilyShapes DocumentedFamilies(const std::string& markdown, std::vector<std::string>* errors) {
  FamilyShapes families;
  std::istringstream in(markdown);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("|")) continue;
    std::vector<std::string_view> cells = Split(std::string_view(line).substr(1), '|');
    if (cells.size() < 2) continue;
    std::string_view first = Trim(cells[0]);
    if (first.size() < 2 || first.front() != '`' || first.back() != '`') continue;
    first = first.substr(1, first.size() - 2);
    if (first.find('`') != std::string_view::npos) continue;  // not a single name
    FamilyShape shape{std::string(Trim(cells[1])), {}};
    size_t brace = first.find('{');
    std::string name(first.substr(0, brace));
    if (brace != std::string_view::npos && first.back() == '}') {
      for (std::string_view label : Split(first.substr(brace + 1, first.size() - brace - 2), ',')) {
        shape.labels.insert(std::string(Trim(label)));
      }
    }
    if (!families.emplace(name, std::move(shape)).second) {
      errors->push_back(name + " is documented twice");
    }
  }
  return families;
}

FamilyShapes ServedFamilies(const std::string& text, std::vector<std::string>* errors) {
  FamilyShapes families;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      families[name].type = type;
      continue;
    }
    if (line.empty() || line.starts_with("#")) continue;
    size_t end = line.find_first_of("{ ");
    std::string name = line.substr(0, end);
    auto family = families.find(name);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family != families.end()) break;
      if (name.ends_with(suffix)) {
        family = families.find(name.substr(0, name.size() - std::string_view(suffix).size()));
      }
    }
    if (family == families.end()) {
      errors->push_back("series without a # TYPE line: " + line);
      continue;
    }
    if (end != std::string::npos && line[end] == '{' &&
        !LabelNames(line, end, &family->second.labels)) {
      errors->push_back("unparsable series: " + line);
    }
    if (family->second.type == "histogram") family->second.labels.erase("le");
  }
  return families;
}

std::vector<std::string> FamilyDifferences(const FamilyShapes& want, const std::string& want_name,
                                           const FamilyShapes& got, const std::string& got_name,
                                           bool only_got) {
  std::vector<std::string> differences;
  for (const auto& [name, shape] : want) {
    auto found = got.find(name);
    if (found == got.end()) {
      if (!only_got)
        differences.push_back(name + " is in " + want_name + " but not in " + got_name);
    } else if (found->second != shape) {
      differences.push_back(name + " is " + shape.type + " " + Join(shape.labels) + " in " +
                            want_name + " but " + found->second.type + " " +
                            Join(found->second.labels) + " in " + got_name);
    }
  }
  for (const auto& [name, shape] : got) {
    if (!want.contains(name)) {
      differences.push_back(name + " is in " + got_name + " but not in " + want_name);
    }
  }
  return differences;
}

}  // namespace rebound::testing
