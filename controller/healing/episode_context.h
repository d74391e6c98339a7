// What healing derives from an alert episode for templates and notifications: the template
// variables (labels.*, annotations.*, alert.*, playbook, target.*) and the skeleton of every
// Slack message about it (thread key, fields, links to Prometheus and to an Alertmanager
// silence for the alert).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "controller/actions/action.h"
#include "controller/intake/journal.h"
#include "controller/notify/notifier.h"
#include "controller/templates/template.h"

namespace rebound::controller::healing {

// The variables of `episode`, with `playbook` set when not empty.
templates::TemplateContext EpisodeVars(const intake::Episode& episode, const std::string& playbook);
// Adds target, target.kind, target.namespace and target.name.
void SetTargetVars(templates::TemplateContext& vars, const actions::Target& target);

// "<fingerprint>@<startsAt>": how logs, marks and the API name an episode.
std::string EpisodeId(const intake::EpisodeKey& key);

// The Alertmanager UI link that opens a new silence pre-filled with the alert's labels, as the
// UI's own Silence button makes it: `<externalURL>/#/silences/new?filter=` and the
// percent-encoded `{alertname="X", namespace="shop"}`. "" when the payload had no externalURL.
std::string SilenceLink(const std::string& external_url, const intake::LabelSet& labels);

// The notification fields every message about `episode` carries. `target` may be null (not
// resolved yet).
notify::Notification EpisodeNotification(const intake::Episode& episode,
                                         const std::string& playbook,
                                         const actions::Target* target);

}  // namespace rebound::controller::healing
