// PrometheusHttp: PrometheusApi over Prometheus' HTTP API (/api/v1/query, /api/v1/query_range)
// through an injected common::HttpClient.
//
// Requests are GETs, or form-encoded POSTs when the URL would be longer than
// max_get_url_length (long PromQL expressions; proxies cap URL lengths). Each attempt has
// request_timeout, and Prometheus is given a slightly shorter `timeout` parameter so that a
// slow query ends with Prometheus' own, clearer, timeout error and stops using its CPU.
// Retries, with backoff and jitter through the injected Sleeper, cover only what may pass by
// itself: transport failures and 5xx answers — except Prometheus' query timeout, which would
// only time out again. A rejected query (400, 422) is returned at once. Once the injected stop
// token is requested (shutdown), a retry wait in progress ends at once and no further retry is
// made.
// Error messages name the base URL, never the credentials it may carry.
//
// Thread-safety: InstantQuery and RangeQuery may be called concurrently; the dependencies
// must be thread-safe too (the real ones are).
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_client.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "controller/promql/base_url.h"
#include "controller/promql/prometheus_api.h"
#include "common/backoff.h"

namespace rebound::controller::promql {

struct PrometheusHttpOptions {
  // http(s)://host[:port][/prefix], optionally with user:password@ (see base_url.h).
  std::string url;
  std::chrono::milliseconds request_timeout{10000};  // per attempt, connect included
  common::RetryPolicy retry = DefaultRetry();
  size_t max_get_url_length = 2048;
  std::string user_agent = "rebound";

  // Three attempts, 250 ms then ~500 ms apart: a verification loop polls again anyway.
  static common::RetryPolicy DefaultRetry() {
    common::RetryPolicy policy;
    policy.max_attempts = 3;
    policy.initial_backoff = std::chrono::milliseconds(250);
    policy.max_backoff = std::chrono::milliseconds(2000);
    return policy;
  }
};

// What the client uses but does not own; each must outlive it.
struct PrometheusHttpDeps {
  common::HttpClient& http;
  common::Sleeper& sleeper;
  common::RandomSource& random;
  std::stop_token stop;  // requested at shutdown: retry waits end at once; {} never stops
};

class PrometheusHttp final : public PrometheusApi {
 public:
  // InvalidArgument when options.url is not a usable base URL.
  static common::Result<std::unique_ptr<PrometheusHttp>> Create(PrometheusHttpDeps deps,
                                                                PrometheusHttpOptions options);

  common::Result<QueryResult> InstantQuery(std::string_view query,
                                           std::optional<TimePoint> time) override;
  common::Result<RangeQueryResult> RangeQuery(std::string_view query, TimePoint start,
                                              TimePoint end,
                                              std::chrono::milliseconds step) override;

  // The base URL without credentials, as error messages name it.
  const std::string& url() const { return base_.url; }

 private:
  using Params = std::vector<std::pair<std::string, std::string>>;

  PrometheusHttp(PrometheusHttpDeps deps, PrometheusHttpOptions options, BaseUrl base);

  // The body of a 2xx answer from `path` (e.g. "/api/v1/query"), after the retries above.
  common::Result<std::string> Call(std::string_view path, std::string_view query,
                                   Params params) const;
  common::HttpClientRequest BuildRequest(std::string_view path, const Params& params) const;

  const PrometheusHttpDeps deps_;
  const PrometheusHttpOptions options_;
  const BaseUrl base_;
};

}  // namespace rebound::controller::promql
