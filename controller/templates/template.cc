#include "controller/templates/template.h"

#include <algorithm>
#include <array>
#include <utility>

#include "common/matcher.h"
#include "common/yaml_util.h"

namespace rebound::controller::templates {
namespace {

using common::InvalidArgument;
using common::Result;

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kLabelsPrefix = "labels.";
constexpr std::string_view kAnnotationsPrefix = "annotations.";
constexpr std::string_view kWhitespace = " \t\r\n";

constexpr std::array<std::string_view, 10> kPlainVariables = {
    "alert.name", "alert.status", "alert.fingerprint", "alert.startsAt", "alert.generatorURL",
    "target",     "target.kind",  "target.namespace",  "target.name",    "playbook",
};

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string AtColumn(size_t offset, std::string_view message) {
  return "column " + std::to_string(offset + 1) + ": " + std::string(message);
}

// The message for a variable that IsKnownVariable rejects, with a hint when one is close.
std::string DescribeUnknown(std::string_view variable) {
  for (std::string_view prefix : {kLabelsPrefix, kAnnotationsPrefix}) {
    if (variable.starts_with(prefix)) {
      return "invalid name " + Quote(variable.substr(prefix.size())) + " in " + Quote(variable) +
             " (letters, digits and '_', not starting with a digit)";
    }
  }
  std::vector<std::string> candidates(kPlainVariables.begin(), kPlainVariables.end());
  // "lables.x" and "annotation.x" are typos of a prefix: offer the same name under each one.
  const size_t dot = variable.find('.');
  if (dot != std::string_view::npos && common::IsValidLabelName(variable.substr(dot + 1))) {
    for (std::string_view prefix : {kLabelsPrefix, kAnnotationsPrefix}) {
      candidates.push_back(std::string(prefix) + std::string(variable.substr(dot + 1)));
    }
  }
  const std::string suggestion = common::ClosestMatch(variable, candidates);
  return "unknown variable " + Quote(variable) +
         (suggestion.empty() ? " (use labels.<name>, annotations.<name>, alert.*, target.* or "
                               "playbook)"
                             : " (did you mean " + Quote(suggestion) + "?)");
}

// Why Render cannot use `variable`: "label \"deployment\" is not set on the alert".
std::string DescribeMissing(std::string_view variable, bool is_empty) {
  const std::string_view state = is_empty ? " is empty" : " is not set";
  if (variable.starts_with(kLabelsPrefix)) {
    return "label " + Quote(variable.substr(kLabelsPrefix.size())) + std::string(state) +
           " on the alert";
  }
  if (variable.starts_with(kAnnotationsPrefix)) {
    return "annotation " + Quote(variable.substr(kAnnotationsPrefix.size())) + std::string(state) +
           " on the alert";
  }
  return "variable " + Quote(variable) + std::string(state);
}

template <typename Map>
std::optional<std::string> Find(const Map& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool IsKnownVariable(std::string_view variable) {
  if (variable.starts_with(kLabelsPrefix)) {
    return common::IsValidLabelName(variable.substr(kLabelsPrefix.size()));
  }
  if (variable.starts_with(kAnnotationsPrefix)) {
    return common::IsValidLabelName(variable.substr(kAnnotationsPrefix.size()));
  }
  return std::find(kPlainVariables.begin(), kPlainVariables.end(), variable) !=
         kPlainVariables.end();
}

void TemplateContext::Set(std::string variable, std::string value) {
  values_.insert_or_assign(std::move(variable), std::move(value));
}

void TemplateContext::SetLabels(std::map<std::string, std::string> labels) {
  labels_ = {std::make_move_iterator(labels.begin()), std::make_move_iterator(labels.end())};
}

void TemplateContext::SetAnnotations(std::map<std::string, std::string> annotations) {
  annotations_ = {std::make_move_iterator(annotations.begin()),
                  std::make_move_iterator(annotations.end())};
}

std::optional<std::string> TemplateContext::Lookup(std::string_view variable) const {
  if (variable.starts_with(kLabelsPrefix)) {
    return Find(labels_, variable.substr(kLabelsPrefix.size()));
  }
  if (variable.starts_with(kAnnotationsPrefix)) {
    return Find(annotations_, variable.substr(kAnnotationsPrefix.size()));
  }
  return Find(values_, variable);
}

Result<Template> Template::Parse(std::string text) {
  Template parsed;
  const std::string_view view = text;
  size_t pos = 0;
  while (pos < view.size()) {
    const size_t open = view.find(kOpen, pos);
    if (open == std::string_view::npos) break;
    if (open > pos) parsed.parts_.push_back(Part{false, std::string(view.substr(pos, open - pos))});
    const size_t close = view.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) {
      return InvalidArgument(AtColumn(open, "unterminated " + Quote(kOpen)));
    }
    const size_t inner = open + kOpen.size();
    const size_t first = view.find_first_not_of(kWhitespace, inner);
    if (first >= close) return InvalidArgument(AtColumn(open, "empty \"{{ }}\""));
    const size_t last = view.find_last_not_of(kWhitespace, close - 1);
    const std::string_view variable = view.substr(first, last + 1 - first);
    if (!IsKnownVariable(variable))
      return InvalidArgument(AtColumn(first, DescribeUnknown(variable)));
    parsed.parts_.push_back(Part{true, std::string(variable)});
    if (std::find(parsed.variables_.begin(), parsed.variables_.end(), variable) ==
        parsed.variables_.end()) {
      parsed.variables_.emplace_back(variable);
    }
    pos = close + kClose.size();
  }
  if (pos < view.size()) parsed.parts_.push_back(Part{false, std::string(view.substr(pos))});
  parsed.text_ = std::move(text);
  return parsed;
}

Result<std::string> Template::Render(const TemplateContext& context) const {
  std::string out;
  for (const Part& part : parts_) {
    if (!part.is_variable) {
      out += part.value;
      continue;
    }
    const std::optional<std::string> value = context.Lookup(part.value);
    if (!value || value->empty()) {
      return InvalidArgument(DescribeMissing(part.value, value.has_value()));
    }
    out += *value;
  }
  return out;
}

}  // namespace rebound::controller::templates
