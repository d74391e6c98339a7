// Label and field selectors, as in ?labelSelector= and ?fieldSelector= and in the
// spec.selector of workloads.
//
// Label selectors support =, ==, !=, in, notin, exists (`key`) and !exists (`!key`); field
// selectors support =, == and != on any dotted path of string, number or boolean values
// (a missing field reads as ""), which covers metadata.name, metadata.namespace,
// spec.nodeName, status.phase and involvedObject.name.
//
// Thread-safety: immutable values after parsing.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rebound::kubesim {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };

  // The selector that matches everything.
  LabelSelector() = default;

  // Parses the query-string syntax ("app=web,tier in (a,b),!canary"). InvalidArgument naming
  // the bad requirement otherwise.
  static common::Result<LabelSelector> Parse(std::string_view text);
  // Reads a metav1.LabelSelector ({"matchLabels":{...},"matchExpressions":[...]}).
  static common::Result<LabelSelector> FromJson(const nlohmann::json& selector);

  bool Matches(const std::map<std::string, std::string>& labels) const;
  bool empty() const { return requirements_.empty(); }
  // The canonical text form, requirements sorted by key ("app=web,tier in (a,b)").
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  FieldSelector() = default;
  // Parses "metadata.name=web,status.phase!=Running"; InvalidArgument otherwise.
  static common::Result<FieldSelector> Parse(std::string_view text);
  bool Matches(const nlohmann::json& object) const;

 private:
  struct Term {
    std::string pointer;  // "/metadata/name"
    bool negated = false;
    std::string value;
  };
  std::vector<Term> terms_;
};

}  // namespace rebound::kubesim
