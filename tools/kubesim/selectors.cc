#include "tools/kubesim/selectors.h"

#include <algorithm>
#include <cctype>

#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

using common::InvalidArgument;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits at commas outside parentheses.
std::vector<std::string_view> SplitTerms(std::string_view text) {
  std::vector<std::string_view> terms;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      terms.push_back(Trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return terms;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// A label name or value: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends.
bool ValidName(std::string_view name) {
  if (name.size() > 63) return false;
  if (name.empty()) return true;
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

// A label key: an optional DNS-subdomain prefix and '/', then a non-empty name.
bool ValidKey(std::string_view key) {
  size_t slash = key.find('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    if (prefix.empty() || prefix.size() > 253) return false;
    for (char c : prefix) {
      if (!std::islower(static_cast<unsigned char>(c)) &&
          !std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
        return false;
      }
    }
  }
  return !name.empty() && ValidName(name);
}

common::Status BadRequirement(std::string_view term, std::string_view why) {
  return InvalidArgument("unable to parse requirement: \"" + std::string(term) +
                         "\": " + std::string(why));
}

common::Result<LabelSelector::Requirement> ParseRequirement(std::string_view term) {
  using Op = LabelSelector::Op;
  LabelSelector::Requirement req;
  if (term.empty()) return BadRequirement(term, "empty requirement");
  if (term.front() == '!') {
    req.key = Trim(term.substr(1));
    req.op = Op::kDoesNotExist;
  } else if (size_t paren = term.find('('); paren != std::string_view::npos) {
    if (term.back() != ')') return BadRequirement(term, "missing ')'");
    std::string_view head = Trim(term.substr(0, paren));
    size_t space = head.find_last_of(" \t");
    if (space == std::string_view::npos) return BadRequirement(term, "expected 'in' or 'notin'");
    std::string_view op = head.substr(space + 1);
    if (op == "in") {
      req.op = Op::kIn;
    } else if (op == "notin") {
      req.op = Op::kNotIn;
    } else {
      return BadRequirement(term, "expected 'in' or 'notin', found '" + std::string(op) + "'");
    }
    req.key = Trim(head.substr(0, space));
    std::string_view list = term.substr(paren + 1, term.size() - paren - 2);
    for (std::string_view value : SplitTerms(list)) {
      if (!ValidName(value))
        return BadRequirement(term, "invalid value \"" + std::string(value) + "\"");
      req.values.emplace_back(value);
    }
    if (req.values.empty() || (req.values.size() == 1 && req.values[0].empty())) {
      return BadRequirement(term, "for 'in' and 'notin', the values must be non-empty");
    }
  } else if (size_t ne = term.find("!="); ne != std::string_view::npos) {
    req.key = Trim(term.substr(0, ne));
    req.op = Op::kNotEquals;
    req.values.emplace_back(Trim(term.substr(ne + 2)));
  } else if (size_t eq = term.find('='); eq != std::string_view::npos) {
    req.key = Trim(term.substr(0, eq));
    req.op = Op::kEquals;
    size_t skip = term.substr(eq).starts_with("==") ? 2 : 1;
    req.values.emplace_back(Trim(term.substr(eq + skip)));
  } else {
    req.key = term;
    req.op = Op::kExists;
  }
  if (!ValidKey(req.key)) return BadRequirement(term, "invalid label key \"" + req.key + "\"");
  for (const std::string& value : req.values) {
    if (!ValidName(value)) return BadRequirement(term, "invalid label value \"" + value + "\"");
  }
  return req;
}

}  // namespace

common::Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  if (Trim(text).empty()) return selector;
  for (std::string_view term : SplitTerms(text)) {
    auto req = ParseRequirement(term);
    if (!req.ok()) return req.status();
    selector.requirements_.push_back(std::move(*req));
  }
  return selector;
}

common::Result<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector out;
  if (selector.is_null()) return out;
  if (!selector.is_object()) return InvalidArgument("selector must be an object");
  for (const auto& [key, value] : StringMapAt(selector, "/matchLabels")) {
    auto req = ParseRequirement(key + "=" + value);
    if (!req.ok()) return req.status();
    out.requirements_.push_back(std::move(*req));
  }
  const json* expressions = Find(selector, "/matchExpressions");
  if (expressions == nullptr || expressions->is_null()) return out;
  if (!expressions->is_array()) return InvalidArgument("matchExpressions must be a list");
  for (const json& expr : *expressions) {
    Requirement req;
    req.key = StringAt(expr, "/key");
    std::string op = StringAt(expr, "/operator");
    if (op == "In") {
      req.op = Op::kIn;
    } else if (op == "NotIn") {
      req.op = Op::kNotIn;
    } else if (op == "Exists") {
      req.op = Op::kExists;
    } else if (op == "DoesNotExist") {
      req.op = Op::kDoesNotExist;
    } else {
      return InvalidArgument("\"" + op + "\" is not a valid label selector operator");
    }
    if (const json* values = Find(expr, "/values"); values != nullptr && values->is_array()) {
      for (const json& v : *values) {
        if (v.is_string()) req.values.push_back(v.get<std::string>());
      }
    }
    if (!ValidKey(req.key)) return InvalidArgument("invalid label key \"" + req.key + "\"");
    bool needs_values = req.op == Op::kIn || req.op == Op::kNotIn;
    if (needs_values == req.values.empty()) {
      return InvalidArgument("values must be " + std::string(needs_values ? "non-empty" : "empty") +
                             " for operator " + op);
    }
    out.requirements_.push_back(std::move(req));
  }
  return out;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const Requirement& req : requirements_) {
    auto it = labels.find(req.key);
    bool has = it != labels.end();
    auto in_values = [&] {
      return has && std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
    };
    bool ok = false;
    switch (req.op) {
      case Op::kEquals:
        ok = in_values();
        break;
      case Op::kNotEquals:
        ok = !in_values();
        break;
      case Op::kIn:
        ok = in_values();
        break;
      case Op::kNotIn:
        ok = !in_values();
        break;
      case Op::kExists:
        ok = has;
        break;
      case Op::kDoesNotExist:
        ok = !has;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::vector<Requirement> sorted = requirements_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  std::string out;
  for (const Requirement& req : sorted) {
    if (!out.empty()) out += ",";
    std::string values;
    for (const std::string& v : req.values) values += (values.empty() ? "" : ",") + v;
    switch (req.op) {
      case Op::kEquals:
        out += req.key + "=" + values;
        break;
      case Op::kNotEquals:
        out += req.key + "!=" + values;
        break;
      case Op::kIn:
        out += req.key + " in (" + values + ")";
        break;
      case Op::kNotIn:
        out += req.key + " notin (" + values + ")";
        break;
      case Op::kExists:
        out += req.key;
        break;
      case Op::kDoesNotExist:
        out += "!" + req.key;
        break;
    }
  }
  return out;
}

common::Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector selector;
  if (Trim(text).empty()) return selector;
  for (std::string_view term : SplitTerms(text)) {
    Term parsed;
    size_t op = term.find("!=");
    size_t skip = 2;
    if (op != std::string_view::npos) {
      parsed.negated = true;
    } else if (op = term.find("=="); op == std::string_view::npos) {
      op = term.find('=');
      skip = 1;
    }
    if (op == std::string_view::npos || op == 0) {
      return InvalidArgument("invalid selector: '" + std::string(term) + "'; can't understand '" +
                             std::string(term) + "'");
    }
    std::string field(Trim(term.substr(0, op)));
    parsed.pointer = "/" + field;
    std::replace(parsed.pointer.begin(), parsed.pointer.end(), '.', '/');
    parsed.value = Trim(term.substr(op + skip));
    selector.terms_.push_back(std::move(parsed));
  }
  return selector;
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const Term& term : terms_) {
    const json* value = Find(object, term.pointer);
    std::string actual;
    if (value != nullptr && value->is_string()) {
      actual = value->get<std::string>();
    } else if (value != nullptr && (value->is_number() || value->is_boolean())) {
      actual = value->dump();
    }
    if ((actual == term.value) == term.negated) return false;
  }
  return true;
}

}  // namespace rebound::kubesim
