#include "common/yaml_util.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "common/duration.h"

namespace rebound::common {
namespace {

constexpr std::string_view kPlainTag = "?";  // yaml-cpp's tag for an unquoted, untagged scalar

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("lsiten").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string Normalized(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string IntegerKind(int64_t min, int64_t max) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (min == 1 && max == kMax) return "a positive integer";
  if (min == 1) return "a positive integer no larger than " + std::to_string(max);
  if (min == 0 && max == kMax) return "a non-negative integer";
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

std::string YamlError::ToString() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

void YamlErrors::Add(const YAML::Mark& mark, std::string message) {
  YamlError error;
  error.file = file_;
  if (!mark.is_null()) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  error.message = std::move(message);
  errors_.push_back(std::move(error));
}

std::vector<YamlError> YamlErrors::Sorted() const {
  std::vector<YamlError> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const YamlError& a, const YamlError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return sorted;
}

std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& text,
                                                          YamlErrors& errors) {
  try {
    // "---" followed by nothing (or by comments only) is no document. (Not erase_if: assigning
    // a YAML::Node assigns into the node it refers to, so elements cannot be moved around.)
    std::vector<YAML::Node> docs;
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
      if (!doc.IsNull()) docs.push_back(doc);
    }
    return docs;
  } catch (const YAML::Exception& e) {
    errors.Add(e.mark, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    errors.Add(YAML::Mark::null_mark(), std::string("cannot parse YAML: ") + e.what());
  }
  return std::nullopt;
}

std::optional<YAML::Node> ParseYaml(const std::string& text, YamlErrors& errors) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.empty()) return YAML::Node();
    if (docs.size() > 1) {
      // yaml-cpp also starts a new document at a line indented less than the first one.
      errors.Add(docs[1].Mark(),
                 "a second YAML document starts here; only one is allowed (check this line's "
                 "indentation, or remove \"---\")");
      return std::nullopt;
    }
    return docs[0];
  } catch (const YAML::Exception& e) {
    errors.Add(e.mark, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    errors.Add(YAML::Mark::null_mark(), std::string("cannot parse YAML: ") + e.what());
  }
  return std::nullopt;
}

namespace {

std::optional<std::string> ReadYamlText(const std::string& path, YamlErrors& errors) {
  auto fail = [&](const std::string& why) -> std::optional<std::string> {
    errors.Add(YAML::Mark::null_mark(), "cannot read file: " + why);
    return std::nullopt;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::generic_category().message(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(std::generic_category().message(errno));
  return text.str();
}

}  // namespace

std::optional<YAML::Node> LoadYamlFile(const std::string& path, YamlErrors& errors) {
  std::optional<std::string> text = ReadYamlText(path, errors);
  if (!text) return std::nullopt;
  return ParseYaml(*text, errors);
}

std::optional<std::vector<YAML::Node>> LoadYamlDocuments(const std::string& path,
                                                         YamlErrors& errors) {
  std::optional<std::string> text = ReadYamlText(path, errors);
  if (!text) return std::nullopt;
  return ParseYamlDocuments(*text, errors);
}

std::string DescribeYaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a sequence";
  constexpr size_t kMaxShown = 60;
  const std::string& s = node.Scalar();
  return s.size() <= kMaxShown ? Quote(s) : Quote(s.substr(0, kMaxShown) + "...");
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 3;  // suggest nothing further than 2 edits away
  for (const std::string& c : candidates) {
    if (Normalized(word) == Normalized(c)) return c;
    size_t d = EditDistance(word, c);
    // Half the letters changed is a different word ("bad" is not a typo of "a").
    if (d < best_distance && 2 * d <= std::max(word.size(), c.size())) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::string> YamlString(const YAML::Node& node, std::string_view name,
                                      YamlErrors& errors) {
  if (!node.IsScalar()) {
    errors.Add(node, Quote(name) + ": expected a string, got " + DescribeYaml(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlBool(const YAML::Node& node, std::string_view name, YamlErrors& errors) {
  if (node.IsScalar() && (node.Tag() == kPlainTag || node.Tag() == "tag:yaml.org,2002:bool")) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  errors.Add(node, Quote(name) + ": expected a boolean (true or false), got " + DescribeYaml(node));
  return std::nullopt;
}

std::optional<int64_t> YamlInt(const YAML::Node& node, std::string_view name, int64_t min,
                               int64_t max, YamlErrors& errors) {
  if (node.IsScalar() && (node.Tag() == kPlainTag || node.Tag() == "tag:yaml.org,2002:int")) {
    std::string_view s = node.Scalar();
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size() && value >= min &&
        value <= max) {
      return value;
    }
  }
  errors.Add(node,
             Quote(name) + ": expected " + IntegerKind(min, max) + ", got " + DescribeYaml(node));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlDuration(const YAML::Node& node, std::string_view name,
                                                      std::chrono::milliseconds min,
                                                      YamlErrors& errors) {
  if (!node.IsScalar()) {
    errors.Add(node, Quote(name) + ": expected a duration such as 30s, 5m or 1h30m, got " +
                         DescribeYaml(node));
    return std::nullopt;
  }
  auto d = ParseDuration(node.Scalar());
  if (!d.ok()) {
    errors.Add(node, Quote(name) + ": " + d.status().message());
    return std::nullopt;
  }
  if (*d < min) {
    std::string expected = min == std::chrono::milliseconds(1)
                               ? "a positive duration"
                               : "a duration of at least " + FormatDuration(min);
    errors.Add(node, Quote(name) + ": expected " + expected + ", got " + DescribeYaml(node));
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> YamlStringList(const YAML::Node& node,
                                                       std::string_view name, YamlErrors& errors) {
  if (!node.IsSequence()) {
    errors.Add(node, Quote(name) + ": expected a list of strings, got " + DescribeYaml(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    if (!item.IsScalar()) {
      errors.Add(item, Quote(std::string(name) + "[" + std::to_string(i) + "]") +
                           ": expected a string, got " + DescribeYaml(item));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> YamlEnum(const YAML::Node& node, std::string_view name,
                                    std::initializer_list<std::string_view> values,
                                    YamlErrors& errors) {
  std::string list;
  for (std::string_view v : values) {
    if (!list.empty()) list += ", ";
    list += v;
  }
  if (node.IsScalar()) {
    for (std::string_view v : values) {
      if (node.Scalar() == v) return node.Scalar();
    }
  }
  errors.Add(node, Quote(name) + " must be one of " + list + " (got " + DescribeYaml(node) + ")");
  return std::nullopt;
}

StrictMap::StrictMap(const YAML::Node& node, std::string_view name,
                     std::vector<std::string> allowed, YamlErrors& errors)
    : errors_(errors), name_(name) {
  if (!node.IsDefined() || node.IsNull()) {
    if (node.IsDefined()) mark_ = node.Mark();
    return;
  }
  mark_ = node.Mark();
  if (!node.IsMap()) {
    is_map_ = false;
    errors.Add(node,
               name.empty()
                   ? "the top level must be a mapping of keys to values, got " + DescribeYaml(node)
                   : Quote(name) + ": expected a mapping, got " + DescribeYaml(node));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      errors.Add(key, "keys must be strings, got " + DescribeYaml(key));
      continue;
    }
    const std::string& k = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string where = name.empty() ? "" : " in " + std::string(name);
      std::string suggestion = ClosestMatch(k, allowed);
      errors.Add(key, "unknown key " + Quote(k) + where +
                          (suggestion.empty() ? " (allowed: " + JoinNames(allowed) + ")"
                                              : " (did you mean " + Quote(suggestion) + "?)"));
      continue;
    }
    if (const Entry* first = Lookup(k)) {
      errors.Add(key, "duplicate key " + Quote(k) + " (first set on line " +
                          std::to_string(first->key_node.Mark().line + 1) + ")");
      continue;
    }
    entries_.push_back({k, key, it->second});
  }
}

const StrictMap::Entry* StrictMap::Lookup(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

StrictMap StrictMap::Child(std::string_view key, std::vector<std::string> allowed) const {
  std::optional<YAML::Node> node = Find(key);
  StrictMap child(node.value_or(YAML::Node()), Qualified(key), std::move(allowed), errors_);
  if (!node) child.mark_ = KeyMark(key);
  return child;
}

std::string StrictMap::Qualified(std::string_view key) const {
  return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
}

std::optional<YAML::Node> StrictMap::Find(std::string_view key) const {
  const Entry* e = Lookup(key);
  if (e == nullptr || e->value.IsNull()) return std::nullopt;
  return e->value;
}

YAML::Mark StrictMap::KeyMark(std::string_view key) const {
  const Entry* e = Lookup(key);
  return e == nullptr ? mark_ : e->key_node.Mark();
}

bool StrictMap::Require(std::string_view key) const {
  if (Has(key) || !is_map_) return Has(key);
  errors_.Add(KeyMark(key), Quote(Qualified(key)) + " is required");
  return false;
}

std::optional<std::string> StrictMap::String(std::string_view key) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlString(*node, Qualified(key), errors_);
}

std::optional<bool> StrictMap::Bool(std::string_view key) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlBool(*node, Qualified(key), errors_);
}

std::optional<int64_t> StrictMap::Int(std::string_view key, int64_t min, int64_t max) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlInt(*node, Qualified(key), min, max, errors_);
}

std::optional<std::chrono::milliseconds> StrictMap::Duration(std::string_view key,
                                                             std::chrono::milliseconds min) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlDuration(*node, Qualified(key), min, errors_);
}

std::optional<std::vector<std::string>> StrictMap::StringList(std::string_view key) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlStringList(*node, Qualified(key), errors_);
}

std::optional<std::string> StrictMap::Enum(std::string_view key,
                                           std::initializer_list<std::string_view> values) const {
  auto node = Find(key);
  if (!node) return std::nullopt;
  return YamlEnum(*node, Qualified(key), values, errors_);
}

}  // namespace rebound::common
