#include "tools/kubesim/auth.h"

#include <algorithm>

namespace rebound::kubesim {
namespace {

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > pos) out.emplace_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

bool Allows(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

common::Result<TokenRule> ParseTokenSpec(std::string_view spec) {
  TokenRule rule;
  size_t semi = spec.find(';');
  rule.token = spec.substr(0, semi);
  if (rule.token.empty()) return common::InvalidArgument("--token: the token is empty");
  while (semi != std::string_view::npos) {
    size_t next = spec.find(';', semi + 1);
    std::string_view part = spec.substr(
        semi + 1, next == std::string_view::npos ? std::string_view::npos : next - semi - 1);
    semi = next;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    if (eq == std::string_view::npos || value.empty()) {
      return common::InvalidArgument("--token: expected key=value, got \"" + std::string(part) +
                                     "\"");
    }
    if (key == "user") {
      rule.user = value;
    } else if (key == "verbs") {
      rule.verbs = SplitList(value);
    } else if (key == "resources") {
      rule.resources = SplitList(value);
    } else if (key == "namespaces") {
      rule.namespaces = SplitList(value);
    } else {
      return common::InvalidArgument("--token: unknown rule \"" + std::string(key) +
                                     "\" (expected user, verbs, resources or namespaces)");
    }
  }
  return rule;
}

std::optional<TokenRule> Authenticator::Authenticate(const common::HttpRequest& request) const {
  if (rules_.empty()) {
    TokenRule anonymous;
    anonymous.user = "system:anonymous";
    return anonymous;
  }
  std::string_view header = request.Header("Authorization").value_or("");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return std::nullopt;
  std::string_view token = header.substr(kBearer.size());
  for (const TokenRule& rule : rules_) {
    if (rule.token == token) return rule;
  }
  return std::nullopt;
}

std::optional<ApiError> Authenticator::Authorize(const TokenRule& rule, const ApiRequest& request) {
  const ResourceType& type = *request.type;
  std::string resource = type.resource;
  bool resource_ok = request.subresource.empty()
                         ? Allows(rule.resources, resource)
                         : Allows(rule.resources, resource + "/" + request.subresource) ||
                               Allows(rule.resources, resource + "/*");
  if (Allows(rule.verbs, request.verb) && resource_ok &&
      Allows(rule.namespaces, request.ns.empty() ? "*" : request.ns)) {
    return std::nullopt;
  }
  return ApiError::Forbidden(type, request.name, request.subresource, rule.user, request.verb,
                             request.ns);
}

}  // namespace rebound::kubesim
