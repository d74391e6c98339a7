// Bearer-token authentication and simple per-token authorization, so that clients can be
// tested against 401 and 403 answers worded as the real API server words them.
//
// A token is configured with `--token SPEC`, where SPEC is the token alone (full access, user
// "kubesim") or the token followed by ';'-separated rules:
//   TOKEN;user=NAME;verbs=get,list,watch;resources=pods,deployments/scale;namespaces=shop
// Each rule lists allowed values ("*" or an absent rule allows all). As in RBAC, a
// subresource needs its own entry ("deployments/scale") or "deployments/*".
// With no token configured, every request is allowed as "system:anonymous".
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"
#include "tools/kubesim/api_error.h"
#include "tools/kubesim/api_request.h"

namespace rebound::kubesim {

struct TokenRule {
  std::string token;
  std::string user = "kubesim";
  std::vector<std::string> verbs;       // empty: all
  std::vector<std::string> resources;   // empty: all
  std::vector<std::string> namespaces;  // empty: all
};

// Parses one --token value; InvalidArgument naming the bad part.
common::Result<TokenRule> ParseTokenSpec(std::string_view spec);

class Authenticator {
 public:
  explicit Authenticator(std::vector<TokenRule> rules) : rules_(std::move(rules)) {}

  // The rule of the request's "Authorization: Bearer" token; nullopt when tokens are
  // configured and the header is missing or names no token (the caller answers 401). With no
  // tokens configured, an allow-all rule for "system:anonymous".
  std::optional<TokenRule> Authenticate(const common::HttpRequest& request) const;

  // nullopt when `rule` allows `request`; the 403 Forbidden otherwise.
  static std::optional<ApiError> Authorize(const TokenRule& rule, const ApiRequest& request);

 private:
  std::vector<TokenRule> rules_;
};

}  // namespace rebound::kubesim
