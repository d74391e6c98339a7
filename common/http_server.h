// HttpServer: the one embedded HTTP/1.1 server of Rebound (a wrapper over GNU libmicrohttpd).
//
// Routes are exact paths with the methods they accept; the server answers 404 for unknown paths
// and 405 (with Allow) for other methods, enforces a per-route body limit (413) before handing
// the request over, and renders JSON errors. libmicrohttpd never appears outside
// http_server.cc.
//
// Event-driven: two I/O threads (poll) hold every connection and do the parsing and sending;
// handlers run on a separate pool of at most num_threads threads, started on demand, while
// their connection is suspended, so a slow handler never holds up an I/O thread and /healthz
// answers while other requests wait for the journal or the Kubernetes API. A streamed response
// runs on a thread of its own, writing into a bounded buffer that the I/O threads drain.
//
// Slow and malformed clients: an idle or slow connection costs a little memory, no thread. At
// most max_connections are open at once; the ones beyond are accepted and closed at once. A
// request's headers must arrive within request_timeout of the connection (or of the previous
// answer on a kept-alive one), as a whole, not per read; its body within body_timeout of the
// headers, as a whole. A body that is late or shorter than its Content-Length is answered 400
// once that deadline passes or the client closes (over TLS the connection is closed without
// an answer); conflicting or malformed Content-Length headers, and Content-Length with
// Transfer-Encoding, are 400 at once (RFC 9112 6.3).
//
// Thread-safety: Handle() must be called before Start(). Handlers run concurrently on the
// server's worker threads and must be thread-safe; check_headers and observe_status run on an
// I/O thread and must be quick. Stop() lets running handlers finish and their answers go out
// (streams see Stopping()), then closes every connection; it is safe to call more than once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

namespace rebound::common {

struct HttpRequest {
  std::string method;
  std::string path;          // URL-decoded, without the query string
  std::string query;         // raw query string, without '?'
  std::string remote_addr;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
  // The URL-decoded value of the first query parameter with this name, if any.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

// Writes the chunks of a streamed response (see HttpResponse::stream).
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues one chunk for sending at once, waiting while the client is far behind; false when
  // the client has gone away or the server is stopping, after which the stream function
  // should return.
  virtual bool Write(std::string_view chunk) = 0;
  // True once the server is stopping; a long-running stream should return soon after.
  virtual bool Stopping() const = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, `body` is ignored: the headers go out at once with chunked transfer encoding,
  // then this function writes the chunks; the response ends when it returns.
  std::function<void(StreamWriter&)> stream;

  static HttpResponse Json(int status, const nlohmann::json& body);
  // {"status":"error","error":message}
  static HttpResponse Error(int status, std::string_view message);
  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    // "HOST:PORT" with an IPv4 host (or "localhost"); port 0 picks a free port (see port()).
    std::string listen = "127.0.0.1:0";
    // Both set: serve HTTPS only, with this PEM certificate (chain) and private key.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Handlers running at once; further requests wait for one to finish. Threads are started
    // when needed.
    int num_threads = 32;
    // Connections open at once, idle ones included; further ones are closed on accept.
    int max_connections = 1024;
    // Headers of a request, and the wait for the next one on a kept-alive connection.
    std::chrono::milliseconds request_timeout{10000};
    // The body, counted from the end of the headers.
    std::chrono::milliseconds body_timeout{10000};
  };

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  struct Route {
    std::vector<std::string> methods;
    HttpHandler handler;
    // Read per request, so a reloaded limit applies at once. Default: 64 KiB.
    std::function<size_t()> max_body_bytes;
    // Runs on the headers before the body is read (e.g. authentication): a response returned
    // here is sent instead of calling `handler`, and the body is never read.
    std::function<std::optional<HttpResponse>(const HttpRequest&)> check_headers;
    // Told the status of every answer on this route, 405 and 413 included.
    std::function<void(int status)> observe_status;
  };

  // Serves `path` (exact match) with `route`. Must be called before Start().
  void Handle(std::string path, Route route);
  // Serves every path that starts with `prefix` and has no exact route; the longest matching
  // prefix wins. Must be called before Start().
  void HandlePrefix(std::string prefix, Route route);

  // Binds and starts serving. Unavailable when the address cannot be bound or TLS set-up fails.
  Status Start();
  // The bound port once started (the real one when the configured port was 0).
  int port() const { return port_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  // Stops accepting, waits for in-flight requests, releases the port.
  void Stop();

 private:
  struct Impl;
  Options options_;
  std::vector<std::pair<std::string, Route>> routes_;
  std::vector<std::pair<std::string, Route>> prefix_routes_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Validates and normalises a listen address: "HOST:PORT" with an IPv4 literal or "localhost"
// as HOST. InvalidArgument explaining the expected form otherwise.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view listen);

}  // namespace rebound::common
