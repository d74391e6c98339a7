#include "controller/intake/webhook_handler.h"

#include <strings.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/time_format.h"

namespace rebound::controller::intake {
namespace {

using common::HttpRequest;
using common::HttpResponse;

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// "application/json", optionally followed by parameters such as "; charset=utf-8".
bool IsJsonContentType(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  size_t end = value.find(';');
  std::string_view media = value.substr(0, end);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media.size() == 16 && StartsWithIgnoreCase(media, "application/json");
}

// 503 with `message` and a Retry-After: nothing of the request was recorded, so Alertmanager
// must send it again (it retries with its own backoff; the header is a hint for other senders).
HttpResponse RetryLater(std::string message) {
  HttpResponse response = HttpResponse::Error(503, std::move(message));
  response.headers.emplace_back("Retry-After", "5");
  return response;
}

}  // namespace

WebhookHandler::WebhookHandler(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics)
    : journal_(journal), queue_(queue), metrics_(metrics) {}

void WebhookHandler::SetAuth(WebhookAuth auth) { auth_.Set({std::move(auth)}); }

bool WebhookHandler::Authenticated(const HttpRequest& request) const {
  return auth_.Allows(request);
}

std::optional<HttpResponse> WebhookHandler::CheckHeaders(const HttpRequest& request) const {
  if (!Authenticated(request)) {
    spdlog::warn("webhook: rejected unauthenticated request from {}", request.remote_addr);
    return common::Unauthorized();
  }
  std::optional<std::string_view> type = request.Header("Content-Type");
  if (!type || !IsJsonContentType(*type)) {
    return HttpResponse::Error(415, "Content-Type must be application/json, got \"" +
                                        std::string(type.value_or("")) + "\"");
  }
  return std::nullopt;
}

HttpResponse WebhookHandler::Handle(const HttpRequest& request) {
  common::Result<WebhookPayload> payload = ParseWebhookPayload(request.body);
  if (!payload.ok()) {
    spdlog::warn("webhook: rejected payload from {}: {}", request.remote_addr,
                 payload.status().message());
    return HttpResponse::Error(400, "invalid Alertmanager payload: " + payload.status().message());
  }
  const std::vector<Alert>& alerts = payload->alerts;
  if (!queue_.TryReserve(alerts.size())) {
    spdlog::warn("webhook: intake queue full, answering 503 so that Alertmanager retries");
    return RetryLater("intake queue is full; retry later");
  }
  common::Result<std::vector<AppendResult>> results =
      journal_.Append(alerts, payload->receiver, payload->external_url);
  if (!results.ok()) {
    queue_.Release(alerts.size());
    metrics_.journal_errors.Increment();
    spdlog::error("webhook: journal write failed, not acknowledging: {}",
                  results.status().message());
    return RetryLater("journal unavailable; retry later");
  }

  int fresh = 0, resolved = 0, repeated = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const Alert& alert = alerts[i];
    AppendResult& result = (*results)[i];
    const IntakeOutcome outcome = result.outcome;
    (alert.status == AlertStatus::kFiring ? metrics_.alerts_firing : metrics_.alerts_resolved)
        .Increment();
    // The journal's key, not the alert's: a "resolved" whose startsAt Alertmanager moved
    // refers to the episode journaled under the original startsAt. Say so in the log.
    std::string moved;
    if (const std::string sent = common::FormatRfc3339(alert.starts_at);
        sent != result.key.starts_at) {
      moved = " (notification startsAt " + sent + ")";
    }
    const bool repeat = outcome == IntakeOutcome::kDuplicate || outcome == IntakeOutcome::kStale;
    spdlog::log(repeat ? spdlog::level::debug : spdlog::level::info,
                "webhook: {} {} fingerprint={} startsAt={}{}: {}", alert.alertname(),
                AlertStatusName(alert.status), result.key.fingerprint, result.key.starts_at, moved,
                IntakeOutcomeName(outcome));
    if (repeat) {
      ++repeated;
      metrics_.alerts_deduplicated.Increment();
      queue_.Release(1);
      continue;
    }
    (outcome == IntakeOutcome::kNew ? fresh : resolved)++;
    queue_.PushReserved(WorkItem{std::move(result.key), outcome});
  }
  metrics_.queue_depth.Set(static_cast<double>(queue_.depth()));
  return HttpResponse::Json(200, {{"status", "success"},
                                  {"accepted", alerts.size()},
                                  {"new", fresh},
                                  {"resolved", resolved},
                                  {"duplicates", repeated}});
}

}  // namespace rebound::controller::intake
