#include "controller/chaos/label_selector_text.h"

#include <cctype>
#include <string>
#include <vector>

namespace rebound::controller::chaos {
namespace {

using nlohmann::json;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A label name or value: at most 63 characters, [A-Za-z0-9] at both ends, [-_.A-Za-z0-9]
// between.
bool IsNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS subdomain: at most 253 characters of [a-z0-9.-], alphanumeric at both ends.
bool IsPrefix(std::string_view s) {
  if (s.empty() || s.size() > 253 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool IsKey(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return IsNamePart(s);
  return IsPrefix(s.substr(0, slash)) && IsNamePart(s.substr(slash + 1));
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  common::Result<json> Parse() {
    json expressions = json::array();
    SkipSpace();
    if (pos_ == text_.size()) {
      return Error("an empty selector selects everything; name the labels, such as app=checkout");
    }
    while (true) {
      common::Result<json> requirement = Requirement();
      if (!requirement.ok()) return requirement.status();
      expressions.push_back(std::move(*requirement));
      SkipSpace();
      if (pos_ == text_.size()) break;
      if (text_[pos_] != ',') return Error("expected \",\" between requirements");
      ++pos_;
    }
    return json{{"matchExpressions", std::move(expressions)}};
  }

 private:
  common::Status Error(const std::string& what) const {
    return common::InvalidArgument("column " + std::to_string(pos_ + 1) + ": " + what);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // A run of the characters keys and values are made of (checked afterwards).
  std::string_view Word() {
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (IsAlnum(text_[pos_]) || text_[pos_] == '-' || text_[pos_] == '_' ||
            text_[pos_] == '.' || text_[pos_] == '/')) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  common::Result<std::string> Key() {
    SkipSpace();
    const size_t start = pos_;
    std::string_view key = Word();
    if (!IsKey(key)) {
      pos_ = start;
      return Error(
          "expected a label key such as app or example.com/tier (names: up to 63 of "
          "[A-Za-z0-9-_.], alphanumeric at both ends)");
    }
    return std::string(key);
  }

  common::Result<std::string> Value() {
    SkipSpace();
    const size_t start = pos_;
    std::string_view value = Word();
    if (!value.empty() && (value.find('/') != std::string_view::npos || !IsNamePart(value))) {
      pos_ = start;
      return Error(
          "expected a label value (up to 63 of [A-Za-z0-9-_.], alphanumeric at both "
          "ends)");
    }
    return std::string(value);
  }

  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  common::Result<json> Requirement() {
    SkipSpace();
    if (Consume("!")) {
      common::Result<std::string> key = Key();
      if (!key.ok()) return key.status();
      return json{{"key", *key}, {"operator", "DoesNotExist"}};
    }
    common::Result<std::string> key = Key();
    if (!key.ok()) return key.status();
    SkipSpace();
    if (pos_ == text_.size() || text_[pos_] == ',') {
      return json{{"key", *key}, {"operator", "Exists"}};
    }
    if (Consume("!=")) return Single(*key, "NotIn");
    if (Consume("==") || Consume("=")) return Single(*key, "In");
    if (text_[pos_] == '<' || text_[pos_] == '>') {
      return Error(
          "a label selector here takes =, ==, !=, in, notin, key or !key; < and > "
          "compare numbers only in node affinity");
    }
    const size_t word_start = pos_;
    std::string_view op = Word();
    if (op == "in" || op == "notin") return Set(*key, op == "in" ? "In" : "NotIn");
    pos_ = word_start;
    return Error("expected an operator: =, ==, !=, in (...) or notin (...)");
  }

  common::Result<json> Single(const std::string& key, std::string_view op) {
    common::Result<std::string> value = Value();
    if (!value.ok()) return value.status();
    return json{{"key", key}, {"operator", op}, {"values", json::array({*value})}};
  }

  common::Result<json> Set(const std::string& key, std::string_view op) {
    SkipSpace();
    if (!Consume("(")) return Error("expected \"(\" and a list of values");
    json values = json::array();
    while (true) {
      common::Result<std::string> value = Value();
      if (!value.ok()) return value.status();
      values.push_back(*value);
      SkipSpace();
      if (Consume(")")) break;
      if (!Consume(",")) return Error("expected \",\" or \")\" in the list of values");
    }
    return json{{"key", key}, {"operator", op}, {"values", std::move(values)}};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

common::Result<json> ParseLabelSelector(std::string_view text) { return Parser(text).Parse(); }

}  // namespace rebound::controller::chaos
