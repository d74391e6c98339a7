#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace rebound::common {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (after 100-continue or a redirect) starts over
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    headers->emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

std::string UrlOrigin(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return std::string(url.substr(0, end)) + (end == std::string_view::npos ? "" : "/...");
}

// Called by curl during the transfer (about once a second when nothing moves): non-zero
// aborts it.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
};

}  // namespace

std::optional<std::string_view> HttpClientResponse::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return std::string_view(value);
  }
  return std::nullopt;
}

CurlHttpClient::CurlHttpClient() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpClientResponse> CurlHttpClient::Send(const HttpClientRequest& request) {
  // One easy handle per thread keeps connections alive between calls of that thread.
  thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(),
                                                                         &curl_easy_cleanup);
  CURL* curl = handle.get();
  if (curl == nullptr) return Internal("curl_easy_init failed");
  curl_easy_reset(curl);

  HttpClientResponse response;
  CurlSlist headers;
  for (const auto& [name, value] : request.headers) {
    headers.list = curl_slist_append(headers.list, (name + ": " + value).c_str());
  }
  // libcurl adds "Expect: 100-continue" to large POSTs; servers here answer at once instead.
  headers.list = curl_slist_append(headers.list, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(request.timeout.count(), 5000)));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
             request.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  if (request.cancel.stop_possible()) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::stop_token*>(&request.cancel));
  }

  const TlsClientOptions& tls = request.tls;
  // Files go by path, PEM text as a blob that curl reads in place (the request outlives the
  // transfer).
  curl_blob ca_blob{}, cert_blob{}, key_blob{};
  auto set_source = [&](const std::string& file, CURLoption file_option, const std::string& pem,
                        curl_blob& blob, CURLoption blob_option) {
    if (!file.empty()) curl_easy_setopt(curl, file_option, file.c_str());
    if (!pem.empty()) {
      blob = {const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(curl, blob_option, &blob);
    }
  };
  set_source(tls.ca_file, CURLOPT_CAINFO, tls.ca_pem, ca_blob, CURLOPT_CAINFO_BLOB);
  set_source(tls.client_cert_file, CURLOPT_SSLCERT, tls.client_cert_pem, cert_blob,
             CURLOPT_SSLCERT_BLOB);
  set_source(tls.client_key_file, CURLOPT_SSLKEY, tls.client_key_pem, key_blob,
             CURLOPT_SSLKEY_BLOB);
  if (tls.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    // Only scheme://host:port: paths and queries can hold secrets (Slack webhook URLs do).
    std::string what = request.method + " " + UrlOrigin(request.url) + ": " + curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: return DeadlineExceeded(what);
      case CURLE_ABORTED_BY_CALLBACK: return Cancelled(what);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL: return InvalidArgument(what);
      default: return Unavailable(what);
    }
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace rebound::common
