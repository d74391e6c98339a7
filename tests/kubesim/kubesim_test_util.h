// Helpers for kubesim unit tests: requests built in memory and answers read back as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/http_server.h"

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

}  // namespace rebound::kubesim::testing
