// Strict reading of YAML files (rebound.yaml, playbooks) with errors an editor can jump to.
//
// yaml-cpp is permissive: it ignores unknown and duplicate keys, reads "yes" as a boolean and
// throws on every other problem. These helpers read a document strictly instead and collect
// every problem as "file:line:col: message" (1-based positions) so that a user sees all of
// them at once. A key whose value is null (`tls:` alone, `~`) counts as absent. No yaml-cpp
// exception escapes them.
//
// Thread-safety: the functions are reentrant. A YamlErrors or StrictMap is used by one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rebound::common {

// One problem in a YAML file.
struct YamlError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the file as a whole
  int column = 0;  // 1-based; 0 with line 0
  std::string message;

  // "file:line:col: message" (or "file: message" when line is 0).
  std::string ToString() const;
};

// The problems found in one file, in the order they were found.
class YamlErrors {
 public:
  explicit YamlErrors(std::string file) : file_(std::move(file)) {}

  // Adds an error at `mark` (yaml-cpp's 0-based position); a null mark gives line 0.
  void Add(const YAML::Mark& mark, std::string message);
  // Adds an error at the position of `node`.
  void Add(const YAML::Node& node, std::string message) { Add(node.Mark(), std::move(message)); }

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::string& file() const { return file_; }

  // Every error in file order: line 0 first, then by line and column; ties keep the order in
  // which they were added.
  std::vector<YamlError> Sorted() const;

 private:
  std::string file_;
  std::vector<YamlError> errors_;
};

// Reads and parses the single YAML document in `path`. An empty file (or one holding only
// comments) gives a null node. On failure adds one error and returns nullopt: line 0 naming the
// system error when the file cannot be read, the parser's position for a syntax error, the
// second document's position when the file holds more than one.
std::optional<YAML::Node> LoadYamlFile(const std::string& path, YamlErrors& errors);

// As LoadYamlFile, for text already in memory (errors are reported against errors.file()).
std::optional<YAML::Node> ParseYaml(const std::string& text, YamlErrors& errors);

// Reads every YAML document in `path` (documents separated by "---"; empty ones are skipped),
// for files that hold several resources such as playbooks. On failure adds one error, as
// LoadYamlFile does, and returns nullopt.
std::optional<std::vector<YAML::Node>> LoadYamlDocuments(const std::string& path,
                                                         YamlErrors& errors);
// As LoadYamlDocuments, for text already in memory.
std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& text,
                                                          YamlErrors& errors);

// "a mapping", "a sequence", "null" or the quoted scalar: for "expected X, got Y" messages.
std::string DescribeYaml(const YAML::Node& node);

// The closest of `candidates` to `word`: edit distance at most 2 and at most half the longer
// word, or equal once case, '_' and '-' are ignored (so "maxBodyBytes" finds
// "max_body_bytes"). Empty when none is close.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

// Typed reading of one value node; `name` is the key or item it came from, used in messages.
// Each returns nullopt after adding an error when the node has the wrong type or value.
// Callers skip null nodes first (they mean "absent").
std::optional<std::string> YamlString(const YAML::Node& node, std::string_view name,
                                      YamlErrors& errors);
// Only the plain scalars true/false (also True, TRUE, False, FALSE): "yes" and "on" are errors.
std::optional<bool> YamlBool(const YAML::Node& node, std::string_view name, YamlErrors& errors);
// A plain decimal integer within [min, max].
std::optional<int64_t> YamlInt(const YAML::Node& node, std::string_view name, int64_t min,
                               int64_t max, YamlErrors& errors);
// A Prometheus-style duration (common::ParseDuration) of at least `min`.
std::optional<std::chrono::milliseconds> YamlDuration(const YAML::Node& node, std::string_view name,
                                                      std::chrono::milliseconds min,
                                                      YamlErrors& errors);
// A sequence of scalars; each bad item is reported at its own position.
std::optional<std::vector<std::string>> YamlStringList(const YAML::Node& node,
                                                       std::string_view name, YamlErrors& errors);
// A string that is one of `values`.
std::optional<std::string> YamlEnum(const YAML::Node& node, std::string_view name,
                                    std::initializer_list<std::string_view> values,
                                    YamlErrors& errors);

// A mapping whose keys must come from a fixed set. Construction reports, each at the key:
// unknown keys (suggesting the closest allowed one), duplicate keys and non-scalar keys. A null
// node is an empty mapping; any other non-mapping is reported as "expected a mapping". The
// getters return nullopt when the key is absent or null, and also, after adding an error, when
// the value is invalid; use Has() to tell the two apart.
class StrictMap {
 public:
  // `name` names the mapping in messages ("webhook", "webhook.basic_auth"); empty for the top
  // level. Keys are named in messages qualified by it ("webhook.max_body_bytes").
  StrictMap(const YAML::Node& node, std::string_view name, std::vector<std::string> allowed,
            YamlErrors& errors);

  // The nested mapping under `key`, named "<name>.<key>"; empty (positioned at the key, or at
  // this mapping when the key is absent) when the key is absent or null.
  StrictMap Child(std::string_view key, std::vector<std::string> allowed) const;

  // False when the node was neither a mapping nor null.
  bool is_map() const { return is_map_; }
  // Where the mapping starts; where "is required" errors point. Null for an empty document.
  const YAML::Mark& mark() const { return mark_; }
  YamlErrors& errors() const { return errors_; }
  const std::string& name() const { return name_; }
  // `key` as messages name it: "webhook.max_body_bytes" in the mapping named "webhook".
  std::string Qualified(std::string_view key) const;

  // True when `key` is present with a non-null value.
  bool Has(std::string_view key) const { return Find(key).has_value(); }
  // The value of `key` when present and non-null.
  std::optional<YAML::Node> Find(std::string_view key) const;
  // The position of `key` itself, or of the mapping when the key is absent.
  YAML::Mark KeyMark(std::string_view key) const;

  // Adds `"key" is required` unless `key` has a non-null value; returns whether it has one.
  // Points at the key when it is present with a null value, else at the mapping.
  bool Require(std::string_view key) const;

  std::optional<std::string> String(std::string_view key) const;
  std::optional<bool> Bool(std::string_view key) const;
  std::optional<int64_t> Int(std::string_view key, int64_t min, int64_t max) const;
  std::optional<std::chrono::milliseconds> Duration(std::string_view key,
                                                    std::chrono::milliseconds min) const;
  std::optional<std::vector<std::string>> StringList(std::string_view key) const;
  std::optional<std::string> Enum(std::string_view key,
                                  std::initializer_list<std::string_view> values) const;

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Entry* Lookup(std::string_view key) const;

  YamlErrors& errors_;
  std::string name_;
  bool is_map_ = true;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  std::vector<Entry> entries_;  // allowed keys only, first occurrence
};

}  // namespace rebound::common
