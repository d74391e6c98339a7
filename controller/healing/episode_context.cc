#include "controller/healing/episode_context.h"

#include <nlohmann/json.hpp>

#include "common/percent_encoding.h"

namespace rebound::controller::healing {
namespace {

// A matcher value as the Alertmanager UI writes and reads it: a JSON string (its parser decodes
// the quoted value as JSON, so any control character must be escaped the JSON way).
std::string QuoteLabelValue(const std::string& value) {
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

templates::TemplateContext EpisodeVars(const intake::Episode& episode,
                                      const std::string& playbook) {
  templates::TemplateContext vars;
  vars.SetLabels(episode.labels);
  vars.SetAnnotations(episode.annotations);
  vars.Set("alert.name", episode.alertname);
  vars.Set("alert.status", std::string(intake::AlertStatusName(episode.status)));
  vars.Set("alert.fingerprint", episode.key.fingerprint);
  vars.Set("alert.startsAt", episode.key.starts_at);
  vars.Set("alert.generatorURL", episode.generator_url);
  if (!playbook.empty()) vars.Set("playbook", playbook);
  return vars;
}

void SetTargetVars(templates::TemplateContext& vars, const actions::Target& target) {
  vars.Set("target", target.ns + "/" + target.name);
  vars.Set("target.kind", target.kind);
  vars.Set("target.namespace", target.ns);
  vars.Set("target.name", target.name);
}

std::string EpisodeId(const intake::EpisodeKey& key) {
  return key.fingerprint + "@" + key.starts_at;
}

std::string SilenceLink(const std::string& external_url, const intake::LabelSet& labels) {
  if (external_url.empty()) return "";
  // The filter the UI's own Silence button builds (ui/app/src/Utils/Filter.elm,
  // stringifyFilter): {name="value", ...} in label order.
  std::string filter = "{";
  for (const auto& [name, value] : labels) {
    if (filter.size() > 1) filter += ", ";
    filter += name + "=" + QuoteLabelValue(value);
  }
  filter += "}";
  std::string base = external_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/#/silences/new?filter=" + common::PercentEncode(filter);
}

notify::Notification EpisodeNotification(const intake::Episode& episode,
                                         const std::string& playbook,
                                         const actions::Target* target) {
  notify::Notification n;
  n.thread_key = episode.alertname;
  if (target != nullptr) n.thread_key += " " + target->ns + "/" + target->name;
  n.fields.emplace_back("Alert", episode.alertname);
  if (auto it = episode.labels.find("severity"); it != episode.labels.end()) {
    n.fields.emplace_back("Severity", it->second);
  }
  if (target != nullptr) n.fields.emplace_back("Target", target->ToString());
  if (!playbook.empty()) n.fields.emplace_back("Playbook", playbook);
  if (!episode.generator_url.empty()) {
    n.links.push_back({"Prometheus", episode.generator_url});
  }
  if (std::string silence = SilenceLink(episode.external_url, episode.labels); !silence.empty()) {
    n.links.push_back({"Silence", silence});
  }
  return n;
}

}  // namespace rebound::controller::healing
