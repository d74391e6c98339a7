// Helpers for kubesim unit tests: requests built in memory, answers read back as JSON, and
// scenario errors as text.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "tools/kubesim/scenario.h"

namespace rebound::kubesim::testing {

inline common::HttpRequest MakeRequest(std::string method, std::string path, std::string query = "",
                                       std::string body = "", std::string content_type = "") {
  common::HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.query = std::move(query);
  request.body = std::move(body);
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  return request;
}

inline nlohmann::json Body(const common::HttpResponse& response) {
  return nlohmann::json::parse(response.body, nullptr, false);
}

// The errors of the scenario `yaml` (named s.yaml) as "s.yaml:LINE:COL: message"; expects it
// to be rejected.
inline std::vector<std::string> ScenarioErrors(const std::string& yaml) {
  ScenarioResult result = ParseScenario(yaml, "s.yaml");
  EXPECT_FALSE(result.scenario.has_value());
  std::vector<std::string> out;
  for (const common::YamlError& e : result.errors) out.push_back(e.ToString());
  return out;
}

}  // namespace rebound::kubesim::testing
