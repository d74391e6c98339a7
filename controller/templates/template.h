// Template: the text of a playbook field with {{ variable }} placeholders, such as
// "{{ labels.namespace }}" or "Could not heal {{ target }}: paging on-call".
//
// Variables (IsKnownVariable):
//   labels.<name>        the alert's label <name>
//   annotations.<name>   the alert's annotation <name>
//   alert.name           the alertname label        alert.status       "firing" | "resolved"
//   alert.fingerprint    alert.startsAt (RFC 3339)  alert.generatorURL
//   target               "<namespace>/<name>" of the resolved target
//   target.kind          target.namespace           target.name
//   playbook             the playbook's metadata.name
// Label and annotation names follow Prometheus rules ([a-zA-Z_][a-zA-Z0-9_]*). Whitespace
// inside the braces is optional. "{{" cannot be escaped; nothing else is special.
//
// Parse() rejects malformed text and unknown variables, so that `rebound check` reports them.
// Render() fails on a variable that is absent or empty in the context: a template never
// produces an empty string silently, so nothing half-filled reaches an API.
//
// Thread-safety: a Template is immutable after Parse and may be rendered from any thread. A
// TemplateContext is built by one thread and then read-only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rebound::controller::templates {

// The values templates may refer to, for one alert episode.
class TemplateContext {
 public:
  // Sets a plain variable: "alert.name", "target", "target.namespace", "playbook", ...
  void Set(std::string variable, std::string value);
  void SetLabels(std::map<std::string, std::string> labels);
  void SetAnnotations(std::map<std::string, std::string> annotations);

  // The value of `variable`, nullopt when absent (an empty value is returned as "").
  std::optional<std::string> Lookup(std::string_view variable) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> labels_;
  std::map<std::string, std::string, std::less<>> annotations_;
};

class Template {
 public:
  Template() = default;  // the empty literal

  // Parses `text`. InvalidArgument naming the 1-based column of the problem within `text`
  // ("column 7: unknown variable \"lables.x\" (did you mean \"labels.x\"?)", "column 3:
  // unterminated \"{{\"", "column 5: empty \"{{ }}\"").
  static common::Result<Template> Parse(std::string text);

  // The text with every variable replaced. InvalidArgument naming the variable when it is
  // absent or empty in `context` ("label \"deployment\" is not set on the alert").
  common::Result<std::string> Render(const TemplateContext& context) const;

  const std::string& text() const { return text_; }
  // The variables used, in order of first use, each once ("labels.namespace", "target").
  const std::vector<std::string>& variables() const { return variables_; }
  // True when the text has no variables.
  bool is_literal() const { return variables_.empty(); }

 private:
  struct Part {
    bool is_variable = false;
    std::string value;  // literal text, or the variable name
  };
  std::string text_;
  std::vector<Part> parts_;
  std::vector<std::string> variables_;
};

// Whether `variable` is one a template may use (see above).
bool IsKnownVariable(std::string_view variable);

}  // namespace rebound::controller::templates
