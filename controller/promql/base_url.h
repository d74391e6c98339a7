// The base URL of a Prometheus server as configured ("prometheus: { url: ... }"), split into
// what requests go to and the credentials it may carry.
//
// A URL may have a path prefix (Prometheus behind a proxy, or run with --web.route-prefix):
// "http://monitoring:9090/prometheus" serves "/prometheus/api/v1/query". Credentials written
// into the URL ("https://user:pass@host") are moved into an Authorization header, so the URL
// that requests, logs and error messages carry never holds them. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::promql {

struct BaseUrl {
  std::string url;            // scheme://host[:port][/prefix], no credentials, no trailing '/'
  std::string authorization;  // "Basic <base64>" when the URL had user[:password]@, else empty
};

// Parses `url`. InvalidArgument naming the problem when it is not http(s)://host[...] or has a
// query or fragment (the API paths are appended to it).
common::Result<BaseUrl> ParseBaseUrl(std::string_view url);

}  // namespace rebound::controller::promql
