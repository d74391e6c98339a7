// HTTP credentials: which requests a route lets through (a bearer token or HTTP basic user and
// password), and the 401 for the others. The webhook, the kill switch, the read API and
// /metrics all check credentials here, so there is one way of comparing them.
//
// Thread-safety: CredentialCheck's Set may be called at any time (a configuration reload) while
// Allows/Check run concurrently on HTTP threads; each request sees the old or the new set.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/http_server.h"

namespace rebound::common {

// One credential a route accepts: a bearer token, or a basic-auth user and password.
struct HttpCredentials {
  std::string bearer_token;    // set: "Authorization: Bearer <token>"
  std::string basic_username;  // set (with basic_password): "Authorization: Basic ..."
  std::string basic_password;

  static HttpCredentials Bearer(std::string token) { return {std::move(token), "", ""}; }
  static HttpCredentials Basic(std::string username, std::string password) {
    return {"", std::move(username), std::move(password)};
  }
  bool empty() const { return bearer_token.empty() && basic_username.empty(); }
};

// Whether `request`'s Authorization header carries `credentials` (compared in constant time).
// False for empty credentials.
bool CarriesCredentials(const HttpRequest& request, const HttpCredentials& credentials);

// 401 "missing or invalid credentials" with WWW-Authenticate: Bearer realm="rebound".
HttpResponse Unauthorized();

class CredentialCheck {
 public:
  CredentialCheck();

  // From now on a request needs one of `accepted` (empty ones are dropped). None at all: every
  // request is let through.
  void Set(std::vector<HttpCredentials> accepted);
  // Whether `request` may pass.
  bool Allows(const HttpRequest& request) const;
  // Unauthorized() when it may not; nullopt when it may (an HttpServer::Route::check_headers).
  std::optional<HttpResponse> Check(const HttpRequest& request) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<HttpCredentials>> accepted_;  // guarded by mu_
};

}  // namespace rebound::common
