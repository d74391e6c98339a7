// HttpClient: outbound HTTP for Rebound (Slack, Prometheus, Kubernetes, tests).
//
// An interface so that callers can be tested with fakes (tests/fakes/) and wrapped to inject
// failures. CurlHttpClient is the one implementation over libcurl; it is the only file that
// includes curl.h. Send() makes exactly one attempt with the request's timeout: retry policy
// belongs to the caller, which knows what is safe to repeat.
//
// Thread-safety: CurlHttpClient::Send may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace rebound::common {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // whole request, connect included

  // TLS. An empty CA means the system trust store.
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
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
  // when the peer cannot be reached or TLS fails, InvalidArgument for a malformed request.
  virtual Result<HttpClientResponse> Send(const HttpClientRequest& request) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;
  Result<HttpClientResponse> Send(const HttpClientRequest& request) override;
};

}  // namespace rebound::common
