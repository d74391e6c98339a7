// The status page at GET /: a small server-rendered HTML page for people (DESIGN.md section 2),
// refreshed by the browser every 5 s. It shows what the JSON API returns — version, leader,
// kill switch and dependencies; the targets that are not healthy (rebound_target_state); the
// recent remediation outcomes; the remediations in progress; the last decisions; the chaos
// experiments and when chaos last proved each playbook — rendered from that same JSON, so the
// page and the API cannot disagree.
//
// Everything printed comes from alerts, Kubernetes or configuration and goes through
// common::HtmlEscape; the page has no script, no external resource and a bounded number of
// rows per section (the JSON API has the rest).
//
// Pure functions, thread-safe.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/http_server.h"

namespace rebound::app {

// Rows shown per section, at most.
inline constexpr size_t kStatusPageRows = 20;
// Heal-log records read for the page (its outcome and decision sections come from them).
inline constexpr size_t kStatusPageActions = 200;

// What the page shows. A part whose API answered an error holds {"error": "<message>"} and its
// sections say that it is unavailable.
struct StatusPageData {
  std::string version;
  std::chrono::system_clock::time_point now;
  nlohmann::json status;     // "data" of GET /api/v1/status
  nlohmann::json actions;    // "data" of GET /api/v1/actions: heal records, newest first
  nlohmann::json targets;    // [{"namespace","kind","name","state"}] (TargetStatesJson)
  nlohmann::json chaos;      // "data" of GET /api/v1/chaos
  nlohmann::json coverage;   // GET /api/v1/coverage: {"playbooks": [...]}
  std::string alertmanager;  // "configured (URL)" or why not
};

// The JSON an API handler answered: its "data" member when it has one, else the whole body; a
// streamed body is read first (at most `max_bytes`). {"error": "<message>"} when the status is
// not 200, the body is not JSON or is larger than `max_bytes`.
nlohmann::json ApiData(const common::HttpResponse& response, size_t max_bytes = 4 << 20);

// The samples of rebound_target_state in `families` as [{"namespace","kind","name","state"}];
// other families are ignored.
nlohmann::json TargetStatesJson(const std::vector<prometheus::MetricFamily>& families);

// The whole page, a UTF-8 HTML document.
std::string RenderStatusPage(const StatusPageData& data);

// The answer to GET / for `html`: text/html, not to be cached.
common::HttpResponse StatusPageResponse(std::string html);

}  // namespace rebound::app
