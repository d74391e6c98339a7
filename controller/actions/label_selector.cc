#include "controller/actions/label_selector.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

struct Requirement {
  std::string key;
  std::string op;  // "In", "NotIn", "Exists", "DoesNotExist"
  std::vector<std::string> values;
};

// Every requirement of `selector`, matchLabels as In with one value; nullopt when malformed.
std::optional<std::vector<Requirement>> Requirements(const json& selector) {
  if (!selector.is_object()) return std::nullopt;
  std::vector<Requirement> out;
  if (auto labels = selector.find("matchLabels"); labels != selector.end() && !labels->is_null()) {
    if (!labels->is_object()) return std::nullopt;
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) return std::nullopt;
      out.push_back({key, "In", {value.get<std::string>()}});
    }
  }
  auto expressions = selector.find("matchExpressions");
  if (expressions == selector.end() || expressions->is_null()) return out;
  if (!expressions->is_array()) return std::nullopt;
  for (const json& e : *expressions) {
    if (!e.is_object() || !e.contains("key") || !e["key"].is_string() || !e.contains("operator") ||
        !e["operator"].is_string()) {
      return std::nullopt;
    }
    Requirement r{e["key"].get<std::string>(), e["operator"].get<std::string>(), {}};
    if (auto values = e.find("values"); values != e.end() && values->is_array()) {
      for (const json& v : *values) {
        if (!v.is_string()) return std::nullopt;
        r.values.push_back(v.get<std::string>());
      }
    }
    bool needs_values = r.op == "In" || r.op == "NotIn";
    if (!needs_values && r.op != "Exists" && r.op != "DoesNotExist") return std::nullopt;
    if (needs_values == r.values.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

common::Result<std::string> SelectorQuery(const json& selector) {
  std::optional<std::vector<Requirement>> requirements = Requirements(selector);
  if (!requirements) {
    return common::InvalidArgument("malformed label selector " + selector.dump());
  }
  std::vector<std::string> terms;
  for (const Requirement& r : *requirements) {
    if (r.op == "In" && r.values.size() == 1) {
      terms.push_back(r.key + "=" + r.values[0]);
    } else if (r.op == "In") {
      terms.push_back(r.key + " in (" + Join(r.values) + ")");
    } else if (r.op == "NotIn") {
      terms.push_back(r.key + " notin (" + Join(r.values) + ")");
    } else if (r.op == "Exists") {
      terms.push_back(r.key);
    } else {
      terms.push_back("!" + r.key);
    }
  }
  return Join(terms);
}

bool SelectorMatches(const json& selector, const json& labels) {
  std::optional<std::vector<Requirement>> requirements = Requirements(selector);
  if (!requirements) return false;
  return std::all_of(requirements->begin(), requirements->end(), [&](const Requirement& r) {
    auto label = labels.is_object() ? labels.find(r.key) : labels.end();
    bool present = labels.is_object() && label != labels.end() && label->is_string();
    bool listed = present && std::find(r.values.begin(), r.values.end(),
                                       label->get<std::string>()) != r.values.end();
    if (r.op == "In") return listed;
    if (r.op == "NotIn") return !listed;
    if (r.op == "Exists") return present;
    return !present;
  });
}

}  // namespace rebound::controller::actions
