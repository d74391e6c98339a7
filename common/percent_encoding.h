// Percent-encoding (RFC 3986 section 2.1) for URL paths, query strings and userinfo: the one
// encoder and decoder of Rebound and kubesim.
//
// Built on libcurl's curl_easy_escape / curl_easy_unescape, so percent_encoding.cc is, with
// http_client.cc, one of the two files that include curl.h (neither function needs a handle or
// curl_global_init). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::common {

// Every byte except the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) as "%XX" with
// upper-case hex digits: safe as one path segment, query key or query value.
std::string PercentEncode(std::string_view text);

// Decodes every "%XX". InvalidArgument, naming the offset, when a '%' is not followed by two
// hex digits. '+' stays '+' (it means a space only in form encoding; see FormDecode).
Result<std::string> PercentDecode(std::string_view text);

// Decodes one key or value of an application/x-www-form-urlencoded query string: '+' is a
// space, "%XX" a byte, and a '%' not followed by two hex digits stands for itself (browsers and
// clients send such strings; a query parameter is read as sent rather than refused).
std::string FormDecode(std::string_view text);

}  // namespace rebound::common
