// RequestExecutor: sends ApiRequests to one API server over common::HttpClient.
//
// It owns the transport policy shared by every KubeClientHttp operation: the URL, bearer token
// (re-read from its file on every attempt, so rotation is picked up), exec plugin credential
// (cached by the plugin until it expires; after a 401 the plugin runs again and the request is
// repeated once, not counted as a retry) and TLS settings from the KubeConnection; a timeout
// on every attempt; a RequestObserver told of every attempt; and retries:
//   - 429, and 503 with Retry-After: every request (the server did not act on it);
//   - other 5xx, timeouts and transport failures: only requests marked idempotent;
//   - waits: the Retry-After seconds when given (a longer one than max_retry_after is not
//     waited for), else exponential backoff with jitter; at most max_attempts attempts.
// Everything else (4xx, including 409 Conflict, which the caller resolves by re-reading) is
// returned at once. Waiting goes through the injected Sleeper, time through the Clock; once
// the injected stop token is requested (shutdown), a wait in progress ends at once and no
// further retry is made.
//
// Thread-safety: Execute may be called from any number of threads at once; the dependencies
// must be thread-safe too (the real ones are).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "kube/api_request.h"
#include "common/backoff.h"
#include "kube/kube_config.h"
#include "kube/request_observer.h"

namespace rebound::kube {

struct KubeClientOptions {
  std::chrono::milliseconds request_timeout{30000};  // per attempt, connect included
  common::RetryPolicy retry;
  std::string user_agent = "rebound";
};

// What a client uses but does not own; each must outlive the client.
struct KubeClientDeps {
  common::HttpClient& http;
  const common::Clock& clock;
  common::Sleeper& sleeper;
  common::RandomSource& random;
  RequestObserver* observer = nullptr;  // optional: told of every attempt
  std::stop_token stop;  // requested at shutdown: retry waits end at once; {} never stops
};

class RequestExecutor {
 public:
  RequestExecutor(KubeConnection connection, KubeClientDeps deps, KubeClientOptions options);

  // The parsed body of a 2xx response (an empty object for an empty body).
  // Failure: InvalidArgument for a malformed request (see ApiRequest::PathAndQuery); the
  // ErrorFromResponse status for an error response that is not retried, or for the last one,
  // prefixed with "gave up after N attempts" when retries ran out; Cancelled with the last
  // failure when stop was requested before a retry; DeadlineExceeded or
  // Unavailable naming the operation for timeouts and transport failures; the token file's or
  // exec plugin's error (see ExecCredentialPlugin::Get) when no credential can be had; Internal
  // when a 2xx body is not JSON.
  common::Result<nlohmann::json> Execute(const ApiRequest& request);

  const KubeConnection& connection() const { return connection_; }

 private:
  common::HttpClientRequest BaseRequest() const;

  const KubeConnection connection_;
  const KubeClientDeps deps_;
  const KubeClientOptions options_;
};

}  // namespace rebound::kube
