#include "kube/request_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kube/api_error.h"

namespace rebound::kube {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr size_t kMaxBodyExcerpt = 200;

bool IsTransient(const common::Status& status) {
  return status.code() == common::StatusCode::kDeadlineExceeded ||
         status.code() == common::StatusCode::kUnavailable;
}

}  // namespace

RequestExecutor::RequestExecutor(KubeConnection connection, KubeClientDeps deps,
                                 KubeClientOptions options)
    : connection_(std::move(connection)), deps_(deps), options_(std::move(options)) {}

common::HttpClientRequest RequestExecutor::BaseRequest() const {
  common::HttpClientRequest http;
  http.timeout = options_.request_timeout;
  http.tls = connection_.tls;
  return http;
}

common::Result<nlohmann::json> RequestExecutor::Execute(const ApiRequest& request) {
  common::Result<std::string> path = request.PathAndQuery();
  if (!path.ok()) return path.status();
  const std::string what = request.Describe();
  const std::string verb(VerbName(request.verb));
  const std::string resource = request.RbacResource();

  common::HttpClientRequest http = BaseRequest();
  http.method = HttpMethod(request.verb);
  http.url = connection_.server + *path;
  http.body = request.body;
  http.headers = {{"Accept", "application/json"}, {"User-Agent", options_.user_agent}};
  if (!request.content_type.empty())
    http.headers.emplace_back("Content-Type", request.content_type);
  const size_t fixed_headers = http.headers.size();

  const int max_attempts = std::max(1, options_.retry.max_attempts);
  std::optional<uint64_t> exec_generation;  // the exec credential of the current attempt
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    http.headers.resize(fixed_headers);
    if (connection_.token) {
      common::Result<std::string> token = connection_.token->Get();
      if (!token.ok()) return token.status().WithContext(what);
      http.headers.emplace_back("Authorization", "Bearer " + *token);
    }
    if (connection_.exec) {
      common::Result<ExecCredential> credential = connection_.exec->Get(deps_.clock);
      if (!credential.ok()) return credential.status().WithContext(what);
      exec_generation = credential->generation;
      if (!credential->token.empty())
        http.headers.emplace_back("Authorization", "Bearer " + credential->token);
      http.tls.client_cert_pem = credential->client_cert_pem;
      http.tls.client_key_pem = credential->client_key_pem;
    }

    const auto start = deps_.clock.MonotonicNow();
    common::Result<common::HttpClientResponse> response = deps_.http.Send(http);
    const auto elapsed = deps_.clock.MonotonicNow() - start;

    common::Status failure;
    std::optional<milliseconds> wait;
    if (!response.ok()) {
      if (deps_.observer) {
        deps_.observer->OnAttempt(
            {.verb = verb,
             .resource = resource,
             .timed_out = response.status().code() == common::StatusCode::kDeadlineExceeded,
             .elapsed = elapsed});
      }
      failure = response.status().WithContext(what);
      if (!IsTransient(failure) || !request.idempotent) return failure;
    } else {
      const int status = response->status;
      if (deps_.observer) {
        deps_.observer->OnAttempt(
            {.verb = verb, .resource = resource, .status = status, .elapsed = elapsed});
      }
      if (status >= 200 && status < 300) {
        if (response->body.empty()) return nlohmann::json::object();
        nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
        if (body.is_discarded()) {
          return common::Internal(
              fmt::format("{}: the server answered HTTP {} with a body that is not JSON: {}", what,
                          status, response->body.substr(0, kMaxBodyExcerpt)));
        }
        return body;
      }
      if (status == 401 && exec_generation && !reauthenticated) {
        // The plugin's credential was rejected (revoked, or expired early): run the plugin
        // again and repeat the attempt once; a second 401 is reported.
        connection_.exec->Invalidate(*exec_generation);
        reauthenticated = true;
        --attempt;
        continue;
      }
      failure = ErrorFromResponse(request, status, response->body);
      std::optional<std::chrono::seconds> retry_after =
          common::ParseRetryAfter(response->Header("retry-after"));
      bool throttled = status == 429 || (status == 503 && retry_after.has_value());
      bool server_error = status >= 500 && status < 600;
      if (!throttled && !(server_error && request.idempotent)) return failure;
      if (retry_after) {
        if (*retry_after > options_.retry.max_retry_after) {
          return failure.WithContext(fmt::format(
              "not retried: the server asked to retry after {}s, more than the {}s limit",
              retry_after->count(),
              duration_cast<std::chrono::seconds>(options_.retry.max_retry_after).count()));
        }
        wait = *retry_after;
      }
    }
    if (attempt >= max_attempts) {
      return attempt == 1 ? failure
                          : failure.WithContext(fmt::format("gave up after {} attempts", attempt));
    }
    const milliseconds delay =
        wait.value_or(common::BackoffDelay(options_.retry, attempt, deps_.random));
    if (!deps_.sleeper.SleepFor(delay, deps_.stop)) {
      return common::Cancelled(
          fmt::format("stopping: not retried after attempt {}: {}", attempt, failure.message()));
    }
  }
}

}  // namespace rebound::kube
