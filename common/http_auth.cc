#include "common/http_auth.h"

#include <strings.h>

#include <string_view>
#include <utility>

#include "common/base64.h"
#include "common/secret.h"

namespace rebound::common {
namespace {

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

bool CarriesCredentials(const HttpRequest& request, const HttpCredentials& credentials) {
  if (credentials.empty()) return false;
  std::optional<std::string_view> header = request.Header("Authorization");
  if (!header) return false;
  if (!credentials.bearer_token.empty()) {
    return StartsWithIgnoreCase(*header, "Bearer ") &&
           ConstantTimeEquals(header->substr(7), credentials.bearer_token);
  }
  if (!StartsWithIgnoreCase(*header, "Basic ")) return false;
  Result<std::string> decoded = Base64Decode(header->substr(6));
  if (!decoded.ok()) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  // Both halves are compared in full, whatever the first one says.
  bool user_ok = ConstantTimeEquals(decoded->substr(0, colon), credentials.basic_username);
  bool password_ok = ConstantTimeEquals(decoded->substr(colon + 1), credentials.basic_password);
  return user_ok && password_ok;
}

HttpResponse Unauthorized() {
  HttpResponse response = HttpResponse::Error(401, "missing or invalid credentials");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rebound\"");
  return response;
}

CredentialCheck::CredentialCheck()
    : accepted_(std::make_shared<const std::vector<HttpCredentials>>()) {}

void CredentialCheck::Set(std::vector<HttpCredentials> accepted) {
  std::erase_if(accepted, [](const HttpCredentials& c) { return c.empty(); });
  auto next = std::make_shared<const std::vector<HttpCredentials>>(std::move(accepted));
  std::lock_guard lock(mu_);
  accepted_ = std::move(next);
}

bool CredentialCheck::Allows(const HttpRequest& request) const {
  std::shared_ptr<const std::vector<HttpCredentials>> accepted;
  {
    std::lock_guard lock(mu_);
    accepted = accepted_;
  }
  if (accepted->empty()) return true;
  for (const HttpCredentials& credentials : *accepted) {
    if (CarriesCredentials(request, credentials)) return true;
  }
  return false;
}

std::optional<HttpResponse> CredentialCheck::Check(const HttpRequest& request) const {
  if (Allows(request)) return std::nullopt;
  return Unauthorized();
}

}  // namespace rebound::common
