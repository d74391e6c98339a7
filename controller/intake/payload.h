// The Alertmanager webhook payload (version 4) and its parser.
//
// Honours every quirk seen on the wire (tests/data/alertmanager/): `version` is the
// string "4"; firing alerts carry endsAt 0001-01-01T00:00:00Z; timestamps have 0-9 fractional
// digits; strings may contain escapes such as \u0026. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time_format.h"

namespace rebound::controller::intake {

enum class AlertStatus { kFiring, kResolved };

std::string_view AlertStatusName(AlertStatus status);  // "firing" | "resolved"

using LabelSet = std::map<std::string, std::string>;

struct Alert {
  AlertStatus status = AlertStatus::kFiring;
  LabelSet labels;
  LabelSet annotations;
  common::Timestamp starts_at;
  common::Timestamp ends_at;  // Timestamp::Zero() while firing
  std::string generator_url;
  std::string fingerprint;

  // labels["alertname"], or "" when absent.
  std::string_view alertname() const;
};

struct WebhookPayload {
  std::string version;
  std::string receiver;
  AlertStatus status = AlertStatus::kFiring;
  std::vector<Alert> alerts;
  LabelSet group_labels;
  LabelSet common_labels;
  LabelSet common_annotations;
  std::string external_url;
  std::string group_key;
  int64_t truncated_alerts = 0;
};

// Parses one webhook body. On failure, InvalidArgument whose message names the offending field
// as a JSON path ("alerts[1].startsAt: invalid RFC 3339 timestamp ...") or the JSON syntax
// error with its byte offset.
//
// Required: version ("4"), alerts (an array), and for each alert status ("firing" |
// "resolved"), labels (an object of strings), startsAt and fingerprint (non-empty).
// Optional with defaults: receiver, status, groupLabels, commonLabels, commonAnnotations,
// externalURL, groupKey, truncatedAlerts (0), and per alert annotations ({}), endsAt (zero),
// generatorURL (""). Unknown fields are ignored, as Alertmanager may add fields.
common::Result<WebhookPayload> ParseWebhookPayload(std::string_view body);

}  // namespace rebound::controller::intake
