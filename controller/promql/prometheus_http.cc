#include "controller/promql/prometheus_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "common/percent_encoding.h"
#include "controller/promql/response_parser.h"

namespace rebound::controller::promql {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxExcerpt = 200;

std::string Excerpt(std::string_view text) {
  if (text.size() <= kMaxExcerpt) return std::string(text);
  return fmt::format("{}...", text.substr(0, kMaxExcerpt));
}

// Float seconds with millisecond precision, trailing zeros trimmed: what the API reads for
// times, steps and timeouts alike ("1795340375.5", "15", "9").
std::string Seconds(milliseconds ms) {
  std::string text = fmt::format("{:.3f}", static_cast<double>(ms.count()) / 1000.0);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.ends_with('.')) text.pop_back();
  return text;
}

std::string Seconds(TimePoint time) {
  return Seconds(std::chrono::duration_cast<milliseconds>(time.time_since_epoch()));
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string form;
  for (const auto& [key, value] : params) {
    if (!form.empty()) form += '&';
    form += key + "=" + common::PercentEncode(value);
  }
  return form;
}

bool IsTransportTransient(const common::Status& status) {
  return status.code() == common::StatusCode::kUnavailable ||
         status.code() == common::StatusCode::kDeadlineExceeded;
}

// The status for a non-2xx answer, and whether trying again may help.
struct HttpFailure {
  common::Status status;
  bool retryable = false;
};

HttpFailure FailureFromAnswer(std::string_view where, std::string_view query, int http_status,
                              std::string_view body) {
  std::optional<ApiError> api_error = ParseErrorBody(body);
  std::string detail =
      api_error ? fmt::format("HTTP {} {}: {}", http_status, api_error->type, api_error->message)
                : fmt::format("HTTP {}: {}", http_status, Excerpt(body));
  HttpFailure failure;
  if (http_status == 400 || http_status == 422) {
    failure.status = common::InvalidArgument(
        fmt::format("Prometheus rejected the query \"{}\": {}", Excerpt(query), detail));
  } else if (api_error && api_error->type == "timeout") {
    failure.status = common::DeadlineExceeded(
        fmt::format("{}: the query \"{}\" timed out: {}", where, Excerpt(query), detail));
  } else if (http_status >= 500) {
    failure.status = common::Unavailable(fmt::format("{} answered {}", where, detail));
    failure.retryable = true;
  } else if (http_status == 401) {
    failure.status = common::Status(common::StatusCode::kUnauthenticated,
                                    fmt::format("{} answered {}", where, detail));
  } else if (http_status == 403) {
    failure.status = common::Status(common::StatusCode::kPermissionDenied,
                                    fmt::format("{} answered {}", where, detail));
  } else {
    // A 404 is nearly always a base URL without the server's path prefix.
    std::string_view hint = http_status == 404 ? " (is the URL's path prefix right?)" : "";
    failure.status =
        common::FailedPrecondition(fmt::format("{} answered {}{}", where, detail, hint));
  }
  return failure;
}

}  // namespace

common::Result<std::unique_ptr<PrometheusHttp>> PrometheusHttp::Create(
    PrometheusHttpDeps deps, PrometheusHttpOptions options) {
  common::Result<BaseUrl> base = ParseBaseUrl(options.url);
  if (!base.ok()) return base.status();
  return std::unique_ptr<PrometheusHttp>(
      new PrometheusHttp(deps, std::move(options), std::move(base).value()));
}

PrometheusHttp::PrometheusHttp(PrometheusHttpDeps deps, PrometheusHttpOptions options, BaseUrl base)
    : deps_(deps), options_(std::move(options)), base_(std::move(base)) {}

common::Result<QueryResult> PrometheusHttp::InstantQuery(std::string_view query,
                                                         std::optional<TimePoint> time) {
  Params params = {{"query", std::string(query)}};
  if (time) params.emplace_back("time", Seconds(*time));
  common::Result<std::string> body = Call("/api/v1/query", query, std::move(params));
  if (!body.ok()) return body.status();
  return ParseInstantQueryBody(*body);
}

common::Result<RangeQueryResult> PrometheusHttp::RangeQuery(std::string_view query, TimePoint start,
                                                            TimePoint end, milliseconds step) {
  Params params = {{"query", std::string(query)},
                   {"start", Seconds(start)},
                   {"end", Seconds(end)},
                   {"step", Seconds(step)}};
  common::Result<std::string> body = Call("/api/v1/query_range", query, std::move(params));
  if (!body.ok()) return body.status();
  return ParseRangeQueryBody(*body);
}

common::HttpClientRequest PrometheusHttp::BuildRequest(std::string_view path,
                                                       const Params& params) const {
  common::HttpClientRequest request;
  request.timeout = options_.request_timeout;
  request.headers = {{"Accept", "application/json"}, {"User-Agent", options_.user_agent}};
  if (!base_.authorization.empty())
    request.headers.emplace_back("Authorization", base_.authorization);
  std::string url = base_.url + std::string(path);
  std::string form = FormEncode(params);
  if (url.size() + 1 + form.size() <= options_.max_get_url_length) {
    request.method = "GET";
    request.url = url + "?" + form;
  } else {
    request.method = "POST";
    request.url = url;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = std::move(form);
  }
  return request;
}

common::Result<std::string> PrometheusHttp::Call(std::string_view path, std::string_view query,
                                                 Params params) const {
  // A tenth of the request timeout is left for Prometheus to answer that it timed out.
  params.emplace_back("timeout", Seconds(options_.request_timeout - options_.request_timeout / 10));
  const common::HttpClientRequest request = BuildRequest(path, params);
  const std::string where = fmt::format("Prometheus at {}", base_.url);

  const int max_attempts = std::max(1, options_.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    common::Result<common::HttpClientResponse> response = deps_.http.Send(request);
    common::Status failure;
    if (!response.ok()) {
      // The transport's message names only scheme://host:port, and the URL has no credentials.
      failure = response.status().WithContext(where);
      if (!IsTransportTransient(failure)) return failure;
    } else if (response->status >= 200 && response->status < 300) {
      return std::move(response->body);
    } else {
      HttpFailure answer = FailureFromAnswer(where, query, response->status, response->body);
      if (!answer.retryable) return answer.status;
      failure = answer.status;
    }
    if (attempt >= max_attempts) {
      return attempt == 1 ? failure
                          : failure.WithContext(fmt::format("gave up after {} attempts", attempt));
    }
    if (!deps_.sleeper.SleepFor(common::BackoffDelay(options_.retry, attempt, deps_.random),
                                deps_.stop)) {
      return common::Cancelled(
          fmt::format("stopping: not retried after attempt {}: {}", attempt, failure.message()));
    }
  }
}

}  // namespace rebound::controller::promql
