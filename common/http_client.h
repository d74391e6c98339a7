// HttpClient: outbound HTTP for Rebound (Slack, Prometheus, Kubernetes, tests).
//
// An interface so that callers can be tested with fakes (tests/fakes/) and wrapped to inject
// failures. CurlHttpClient is the one implementation over libcurl; http_client.cc is the only
// file that includes curl.h besides percent_encoding.cc, which uses curl's URL escaping and
// nothing that transfers. Send() makes exactly one attempt with the request's timeout: retry
// policy belongs to the caller, which knows what is safe to repeat.
//
// Thread-safety: CurlHttpClient::Send may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/tls_client_options.h"

namespace rebound::common {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // whole request, connect included
  TlsClientOptions tls;
  // A stop requested here ends the request within about a second (Cancelled): shutdown does
  // not wait out `timeout` on a peer that hangs.
  std::stop_token cancel;
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::optional<std::string_view> Header(std::string_view lower_case_name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful Result. Failures: DeadlineExceeded on timeout, Unavailable
  // when the peer cannot be reached or TLS fails, InvalidArgument for a malformed request,
  // Cancelled when request.cancel was stopped.
  virtual Result<HttpClientResponse> Send(const HttpClientRequest& request) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;
  Result<HttpClientResponse> Send(const HttpClientRequest& request) override;
};

}  // namespace rebound::common
