#include "controller/chaos/alert_source.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace rebound::controller::chaos {

AlertmanagerAlerts::AlertmanagerAlerts(common::HttpClient& http, std::string base_url,
                                       std::chrono::milliseconds timeout)
    : http_(http), timeout_(timeout) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  url_ = base_url + "/api/v2/alerts?active=true&silenced=false&inhibited=false";
}

common::Result<std::vector<AlertLabels>> AlertmanagerAlerts::Firing() {
  common::HttpClientRequest request;
  request.url = url_;
  request.timeout = timeout_;
  request.headers.emplace_back("Accept", "application/json");
  common::Result<common::HttpClientResponse> response = http_.Send(request);
  if (!response.ok()) return response.status().WithContext("Alertmanager alerts");
  if (response->status != 200) {
    return common::Unavailable("Alertmanager alerts: HTTP " + std::to_string(response->status));
  }
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (!body.is_array()) {
    return common::Internal("Alertmanager alerts: the answer is not a JSON array");
  }
  std::vector<AlertLabels> alerts;
  for (const nlohmann::json& alert : body) {
    if (!alert.is_object()) continue;
    // Alertmanager filters by the query already; a proxy or an old version may not.
    if (auto status = alert.find("status"); status != alert.end() && status->is_object() &&
                                            status->value("state", "active") != "active") {
      continue;
    }
    AlertLabels labels;
    if (auto found = alert.find("labels"); found != alert.end() && found->is_object()) {
      for (const auto& [name, value] : found->items()) {
        if (value.is_string()) labels[name] = value.get<std::string>();
      }
    }
    alerts.push_back(std::move(labels));
  }
  return alerts;
}

const AlertLabels* FirstMatching(const std::vector<AlertLabels>& alerts,
                                 const std::vector<common::Matchers>& abort_if) {
  for (const AlertLabels& alert : alerts) {
    for (const common::Matchers& matchers : abort_if) {
      if (matchers.Matches(alert)) return &alert;
    }
  }
  return nullptr;
}

std::string DescribeAlert(const AlertLabels& labels) {
  std::string text;
  for (const auto& [name, value] : labels) {
    if (!text.empty()) text += ", ";
    text += name + "=\"" + value + "\"";
  }
  return "{" + text + "}";
}

}  // namespace rebound::controller::chaos
