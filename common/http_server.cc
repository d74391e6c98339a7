#include "common/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <civetweb.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/duration.h"
#include "common/percent_encoding.h"

namespace rebound::common {
namespace {

constexpr size_t kDefaultMaxBody = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

class ChunkWriter final : public StreamWriter {
 public:
  ChunkWriter(mg_connection* conn, const std::atomic<bool>& stopping)
      : conn_(conn), stopping_(stopping) {}
  bool Write(std::string_view chunk) override {
    if (failed_ || stopping_) return false;
    if (chunk.empty()) return true;  // an empty chunk would end the response
    failed_ = mg_send_chunk(conn_, chunk.data(), static_cast<unsigned>(chunk.size())) <= 0;
    return !failed_;
  }
  bool Stopping() const override { return stopping_; }
  bool failed() const { return failed_; }

 private:
  mg_connection* conn_;
  const std::atomic<bool>& stopping_;
  bool failed_ = false;
};

// `head_only` answers a HEAD request: the headers GET would send, no body. `close` ends the
// connection after the answer, without reading what is left of the request.
void SendResponse(mg_connection* conn, const HttpResponse& response, bool close,
                  const std::atomic<bool>& stopping, bool head_only = false) {
  if (close) mg_disable_connection_keep_alive(conn);
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     ReasonPhrase(response.status) + "\r\nContent-Type: " +
                     response.content_type + "\r\n";
  if (response.stream) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  if (close) head += "Connection: close\r\n";
  head += "\r\n";
  if (head_only) {
    mg_write(conn, head.data(), head.size());
    return;
  }
  if (!response.stream) {
    // One write, so headers and body leave in one segment.
    head += response.body;
    mg_write(conn, head.data(), head.size());
    return;
  }
  mg_write(conn, head.data(), head.size());
  ChunkWriter writer(conn, stopping);
  response.stream(writer);
  if (!writer.failed()) mg_write(conn, "0\r\n\r\n", 5);
}

// Why the request's framing cannot be trusted (RFC 9112 6.3), or nullopt: Content-Length
// together with Transfer-Encoding, several Content-Length values that differ, or one that is
// not a decimal number. Such a request is answered 400 and its connection closed.
std::optional<std::string> FramingError(const mg_request_info& info) {
  std::optional<std::string_view> length;
  bool transfer_encoding = false;
  for (int i = 0; i < info.num_headers; ++i) {
    std::string_view name = info.http_headers[i].name;
    std::string_view value = info.http_headers[i].value ? info.http_headers[i].value : "";
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) transfer_encoding = true;
    if (!EqualsIgnoreCase(name, "Content-Length")) continue;
    if (value.empty() || value.size() > 18 ||
        value.find_first_not_of("0123456789") != std::string_view::npos) {
      return "malformed Content-Length \"" + std::string(value.substr(0, 32)) + "\"";
    }
    if (length && *length != value) return "conflicting Content-Length headers";
    length = value;
  }
  if (length && transfer_encoding) return "both Content-Length and Transfer-Encoding are set";
  return std::nullopt;
}

// The socket civetweb serves `info`'s connection on, found by its addresses (civetweb does
// not expose it); -1 when not found. The connection stays open while its handler runs, so no
// other descriptor can have the same pair of addresses meanwhile.
int FindConnectionSocket(const mg_request_info& info, int local_port) {
  in_addr remote{};
  if (inet_pton(AF_INET, info.remote_addr, &remote) != 1) return -1;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_in peer{}, local{};
    socklen_t peer_len = sizeof(peer), local_len = sizeof(local);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
        peer.sin_family != AF_INET || peer.sin_port != htons(info.remote_port) ||
        peer.sin_addr.s_addr != remote.s_addr) {
      continue;
    }
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
        local.sin_port == htons(local_port)) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// Ends the reads of bodies that are not in by their deadline: shutting the socket down for
// reading wakes the worker blocked in mg_read, which then sees the body short. One thread per
// server, sleeping until the earliest deadline.
class BodyDeadlines {
 public:
  using Clock = std::chrono::steady_clock;
  BodyDeadlines() : thread_([this](std::stop_token stop) { Run(stop); }) {}

  // Watches `fd` until Remove(id); false when the server is stopping (do not read then).
  bool Add(uint64_t id, int fd, Clock::time_point deadline) {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    watched_[id] = {fd, deadline};
    ++version_;
    changed_.notify_one();
    return true;
  }
  void Remove(uint64_t id) {
    std::lock_guard lock(mu_);
    watched_.erase(id);
  }
  // Ends every watched read now; later Add() calls fail.
  void StopAll() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& [id, entry] : watched_) shutdown(entry.fd, SHUT_RD);
    watched_.clear();
  }

 private:
  struct Entry {
    int fd;
    Clock::time_point deadline;
  };
  void Run(std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      Clock::time_point now = Clock::now();
      Clock::time_point next = now + std::chrono::hours(1);
      for (auto it = watched_.begin(); it != watched_.end();) {
        if (it->second.deadline <= now) {
          shutdown(it->second.fd, SHUT_RD);
          it = watched_.erase(it);
        } else {
          next = std::min(next, it->second.deadline);
          ++it;
        }
      }
      const uint64_t seen = version_;
      changed_.wait_until(lock, stop, next, [&] { return version_ != seen; });
    }
  }

  std::mutex mu_;
  std::condition_variable_any changed_;
  std::map<uint64_t, Entry> watched_;
  uint64_t version_ = 0;  // bumped by Add(), so Run() looks at the new deadline
  bool stopping_ = false;
  std::jthread thread_;  // last: stopped first
};

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string key = FormDecode(pair.substr(0, eq));
    if (key == name) {
      return eq == std::string_view::npos ? std::string() : FormDecode(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

HttpResponse HttpResponse::Json(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.body += '\n';
  return response;
}

HttpResponse HttpResponse::Error(int status, std::string_view message) {
  return Json(status, {{"status", "error"}, {"error", message}});
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

Result<std::pair<std::string, int>> ParseListenAddress(std::string_view listen) {
  auto fail = [&](std::string_view why) {
    return InvalidArgument("invalid listen address \"" + std::string(listen) + "\": " +
                           std::string(why) + " (expected HOST:PORT, e.g. 127.0.0.1:9464)");
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port");
  std::string host(listen.substr(0, colon));
  std::string_view port_text = listen.substr(colon + 1);
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return fail("port must be a number from 0 to 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) return fail("host must be an IPv4 address");
  return std::make_pair(host, port);
}

struct HttpServer::Impl {
  mg_context* ctx = nullptr;
  std::atomic<bool> stopping{false};
  const HttpServer* server = nullptr;
  BodyDeadlines body_deadlines;
  std::atomic<uint64_t> next_read_id{0};
  std::string cert_file;
  std::string key_file;

  static int OnRequest(mg_connection* conn, void* data) {
    auto* impl = static_cast<Impl*>(data);
    return impl->Serve(conn);
  }

  static int OnInitSsl(void* ssl_ctx, void* user_data) {
    auto* impl = static_cast<Impl*>(user_data);
    auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
    if (SSL_CTX_use_certificate_chain_file(ctx, impl->cert_file.c_str()) != 1) {
      spdlog::error("tls: cannot load certificate {}", impl->cert_file);
      return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, impl->key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      spdlog::error("tls: cannot load private key {}", impl->key_file);
      return -1;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      spdlog::error("tls: private key {} does not match certificate {}", impl->key_file,
                    impl->cert_file);
      return -1;
    }
    return 1;
  }

  static int OnLog(const mg_connection*, const char* message) {
    spdlog::debug("http: {}", message);
    return 1;
  }

  // The answer to one request and how to send it.
  struct Reply {
    HttpResponse response;
    bool close = false;      // end the connection after it (the request's rest is unread)
    bool head_only = false;  // a HEAD request: the headers only
  };

  // Counts the answer before sending it, so a client that has read its answer finds it in
  // /metrics.
  int Serve(mg_connection* conn) {
    const Route* route = nullptr;
    Reply reply = Dispatch(conn, route);
    if (route != nullptr && route->observe_status) route->observe_status(reply.response.status);
    SendResponse(conn, reply.response, reply.close, stopping, reply.head_only);
    return reply.response.status;
  }

  enum class BodyRead { kComplete, kTooLarge, kIncomplete };

  // Reads the body into `body` within body_timeout of now, as a whole: a client that sends
  // it slowly, or stops short, gets its read ended at the deadline (see BodyDeadlines).
  BodyRead ReadBody(mg_connection* conn, const mg_request_info& info, size_t limit,
                    std::string& body) {
    const int fd = FindConnectionSocket(info, server->port_);
    const uint64_t id = next_read_id++;
    if (fd < 0) {
      spdlog::debug("http: no socket found for {}:{}; its body has no deadline", info.remote_addr,
                    info.remote_port);
    } else if (!body_deadlines.Add(id, fd,
                                   BodyDeadlines::Clock::now() + server->options_.body_timeout)) {
      return BodyRead::kIncomplete;  // stopping
    }
    BodyRead result = BodyRead::kComplete;
    char buf[16384];
    for (;;) {
      int n = mg_read(conn, buf, sizeof(buf));
      if (n == 0) break;
      if (n < 0) {
        result = BodyRead::kIncomplete;
        break;
      }
      if (body.size() + static_cast<size_t>(n) > limit) {
        result = BodyRead::kTooLarge;
        break;
      }
      body.append(buf, static_cast<size_t>(n));
    }
    if (fd >= 0) body_deadlines.Remove(id);
    if (result == BodyRead::kComplete && info.content_length > 0 &&
        body.size() < static_cast<unsigned long long>(info.content_length)) {
      result = BodyRead::kIncomplete;
    }
    return result;
  }

  // The answer to one request (its body read, its handler run); sets `route` when the path
  // matched one.
  Reply Dispatch(mg_connection* conn, const Route*& route) {
    const mg_request_info* info = mg_get_request_info(conn);
    std::string_view path = info->local_uri ? info->local_uri : "/";
    for (const auto& [route_path, candidate] : server->routes_) {
      if (route_path == path) route = &candidate;
    }
    if (route == nullptr) {
      size_t longest = 0;
      for (const auto& [prefix, candidate] : server->prefix_routes_) {
        if (path.starts_with(prefix) && prefix.size() > longest) {
          route = &candidate;
          longest = prefix.size();
        }
      }
    }
    if (std::optional<std::string> framing = FramingError(*info)) {
      return {HttpResponse::Error(400, *framing), true};
    }
    if (route == nullptr) {
      return {HttpResponse::Error(404, "no such endpoint: " + std::string(path))};
    }
    std::string_view method = info->request_method;
    auto allows = [&](std::string_view m) {
      return std::find(route->methods.begin(), route->methods.end(), m) != route->methods.end();
    };
    // HEAD is GET without the body (RFC 9110 9.3.2): probes and load balancers use it.
    const bool head_only = method == "HEAD" && allows("GET");
    if (head_only) method = "GET";
    if (!allows(method)) {
      std::string allow;
      for (const auto& m : route->methods) {
        allow += (allow.empty() ? "" : ", ") + m;
        if (m == "GET") allow += ", HEAD";
      }
      HttpResponse response = HttpResponse::Error(
          405, "method " + std::string(method) + " not allowed; use " + allow);
      response.headers.emplace_back("Allow", allow);
      return {response};
    }

    HttpRequest request;
    request.method = method;
    request.path = path;
    request.query = info->query_string ? info->query_string : "";
    request.remote_addr = info->remote_addr;
    for (int i = 0; i < info->num_headers; ++i) {
      request.headers.emplace_back(info->http_headers[i].name, info->http_headers[i].value);
    }

    bool body_pending = info->content_length != 0;
    if (route->check_headers) {
      if (std::optional<HttpResponse> early = route->check_headers(request)) {
        return {*early, body_pending};
      }
    }

    size_t limit = route->max_body_bytes ? route->max_body_bytes() : kDefaultMaxBody;
    auto too_large = [&] {
      return Reply{HttpResponse::Error(
                       413, "request body exceeds the limit of " + std::to_string(limit) + " bytes"),
                   true};
    };
    if (info->content_length > 0 && static_cast<unsigned long long>(info->content_length) > limit) {
      return too_large();
    }
    if (info->content_length != 0) {
      switch (ReadBody(conn, *info, limit, request.body)) {
        case BodyRead::kComplete: break;
        case BodyRead::kTooLarge: return too_large();
        case BodyRead::kIncomplete:
          return {HttpResponse::Error(400, "request body shorter than its Content-Length, "
                                           "or not received within " +
                                               FormatDuration(server->options_.body_timeout)),
                  true};
      }
    }

    HttpResponse response;
    try {
      response = route->handler(request);
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} failed: {}", method, path, e.what());
      response = HttpResponse::Error(500, "internal error");
    }
    return {std::move(response), false, head_only};
  }
};

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string path, Route route) {
  routes_.emplace_back(std::move(path), std::move(route));
}

void HttpServer::HandlePrefix(std::string prefix, Route route) {
  prefix_routes_.emplace_back(std::move(prefix), std::move(route));
}

Status HttpServer::Start() {
  static std::once_flag init_once;
  std::call_once(init_once, [] {
    mg_init_library(MG_FEATURES_SSL);
    // A peer that hangs up mid-response must not kill the process: OpenSSL writes to the
    // socket without MSG_NOSIGNAL.
    signal(SIGPIPE, SIG_IGN);
  });

  auto address = ParseListenAddress(options_.listen);
  if (!address.ok()) return address.status();
  bool use_tls = !options_.tls_cert_file.empty() || !options_.tls_key_file.empty();
  if (use_tls && (options_.tls_cert_file.empty() || options_.tls_key_file.empty())) {
    return InvalidArgument("tls needs both cert_file and key_file");
  }
  std::string ports = address->first + ":" + std::to_string(address->second) + (use_tls ? "s" : "");
  std::string threads = std::to_string(options_.num_threads);
  std::string timeout = std::to_string(options_.request_timeout.count());
  std::vector<const char*> opts = {"listening_ports", ports.c_str(),
                                   "num_threads", threads.c_str(),
                                   "request_timeout_ms", timeout.c_str(),
                                   "enable_keep_alive", "yes",
                                   "keep_alive_timeout_ms", timeout.c_str(),
                                   "tcp_nodelay", "1",
                                   "enable_auth_domain_check", "no"};
  if (use_tls) {
    opts.insert(opts.end(), {"ssl_protocol_version", "4"});  // TLS 1.2 and newer
  }
  opts.push_back(nullptr);

  impl_ = std::make_unique<Impl>();
  impl_->server = this;
  impl_->cert_file = options_.tls_cert_file;
  impl_->key_file = options_.tls_key_file;
  mg_callbacks callbacks{};
  callbacks.log_message = &Impl::OnLog;
  if (use_tls) callbacks.init_ssl = &Impl::OnInitSsl;

  char error_text[256] = {0};
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = impl_.get();
  init.configuration_options = opts.data();
  mg_error_data error{};
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);
  impl_->ctx = mg_start2(&init, &error);
  if (impl_->ctx == nullptr) {
    impl_.reset();
    return Unavailable("cannot serve on " + options_.listen + ": " +
                       (error_text[0] ? error_text : "unknown error"));
  }
  mg_set_request_handler(impl_->ctx, "/", &Impl::OnRequest, impl_.get());

  mg_server_port server_ports[4];
  int n = mg_get_server_ports(impl_->ctx, 4, server_ports);
  port_ = n > 0 ? server_ports[0].port : 0;
  return Status::Ok();
}

void HttpServer::Stop() {
  if (impl_ && impl_->ctx) {
    impl_->stopping = true;
    impl_->body_deadlines.StopAll();
    mg_stop(impl_->ctx);
    impl_->ctx = nullptr;
  }
}

}  // namespace rebound::common
