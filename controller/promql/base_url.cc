#include "controller/promql/base_url.h"

#include <fmt/format.h>

#include "common/base64.h"
#include "common/percent_encoding.h"

namespace rebound::controller::promql {

common::Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  auto invalid = [&](std::string_view why) {
    return common::InvalidArgument(fmt::format("Prometheus URL: {}", why));
  };
  size_t scheme_end = url.find("://");
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return invalid("must start with http:// or https://");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return invalid("must not have a query or fragment");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  while (path.ends_with('/')) path.remove_suffix(1);

  BaseUrl base;
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    // URL userinfo is percent-encoded ("p%40ss" for "p@ss").
    common::Result<std::string> userinfo = common::PercentDecode(authority.substr(0, at));
    if (!userinfo.ok()) return invalid("bad percent-encoding in the user or password");
    base.authorization = "Basic " + common::Base64Encode(*userinfo);
    authority.remove_prefix(at + 1);
  }
  if (authority.empty() || authority.starts_with(':')) return invalid("has no host");
  base.url = fmt::format("{}://{}{}", scheme, authority, path);
  return base;
}

}  // namespace rebound::controller::promql
