#include "common/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/duration.h"
#include "common/percent_encoding.h"
#include "common/task_threads.h"

namespace rebound::common {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kDefaultMaxBody = 64 * 1024;
// MHD's own I/O threads: they only move bytes and parse, handlers run elsewhere.
constexpr unsigned kIoThreads = 2;
// What a streamed response may have written ahead of its client before Write() waits.
constexpr size_t kStreamBufferBytes = 256 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

// Why the request's framing cannot be trusted (RFC 9112 6.3), or nullopt: Content-Length
// together with Transfer-Encoding, several Content-Length values that differ, or one that is
// not a decimal number. Such a request is answered 400 and its connection closed. (MHD itself
// refuses a malformed Content-Length but takes the first of several and lets chunked win.)
std::optional<std::string> FramingError(const Headers& headers) {
  std::optional<std::string_view> length;
  bool transfer_encoding = false;
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) transfer_encoding = true;
    if (!EqualsIgnoreCase(name, "Content-Length")) continue;
    if (value.empty() || value.size() > 18 ||
        value.find_first_not_of("0123456789") != std::string_view::npos) {
      return "malformed Content-Length \"" + value.substr(0, 32) + "\"";
    }
    if (length && *length != value) return "conflicting Content-Length headers";
    length = value;
  }
  if (length && transfer_encoding) return "both Content-Length and Transfer-Encoding are set";
  return std::nullopt;
}

// The deadlines of the connections: a request's headers (and a kept-alive connection's wait
// for them) within request_timeout, its body within body_timeout of the headers, each as a
// whole rather than per read (MHD's own timeout is per read). One thread sleeps until the
// earliest one; a missed deadline shuts the socket down under MHD, which then sees the
// connection end and closes it.
class Deadlines {
 public:
  enum class Kind { kNone, kHeaders, kBody };
  struct Connection {
    int fd;
    Kind kind = Kind::kNone;
    Clock::time_point at;
  };

  Deadlines() : thread_([this](std::stop_token stop) { Run(stop); }) {}

  Connection* Add(int fd) {
    std::lock_guard lock(mu_);
    return *connections_.insert(new Connection{fd, Kind::kNone, {}}).first;
  }
  // Called by MHD before it closes the socket, so Run() never shuts down a reused descriptor.
  void Remove(Connection* connection) {
    std::lock_guard lock(mu_);
    connections_.erase(connection);
    delete connection;
  }
  void Set(Connection* connection, Kind kind, Clock::time_point at) {
    std::lock_guard lock(mu_);
    connection->kind = kind;
    connection->at = at;
    if (kind != Kind::kNone && at < next_) {
      ++version_;
      changed_.notify_one();
    }
  }
  ~Deadlines() {
    thread_.request_stop();
    thread_.join();
    for (Connection* connection : connections_) delete connection;
  }

 private:
  void Run(std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      const Clock::time_point now = Clock::now();
      next_ = now + std::chrono::hours(1);
      for (Connection* c : connections_) {
        if (c->kind == Kind::kNone) continue;
        if (c->at > now) {
          next_ = std::min(next_, c->at);
          continue;
        }
        // Headers: nothing to answer, end the connection. Body: MHD reads the end of it and
        // gives up on the request, which HttpServer then answers 400 (OnCompleted).
        shutdown(c->fd, c->kind == Kind::kHeaders ? SHUT_RDWR : SHUT_RD);
        c->kind = Kind::kNone;
      }
      const uint64_t seen = version_;
      changed_.wait_until(lock, stop, next_, [&] { return version_ != seen; });
    }
  }

  std::mutex mu_;
  std::condition_variable_any changed_;
  std::unordered_set<Connection*> connections_;
  Clock::time_point next_ = Clock::now();
  uint64_t version_ = 0;  // bumped by Set() when Run() must look at an earlier deadline
  std::jthread thread_;  // last: stopped first
};

// A streamed response: the stream function writes into a bounded buffer on a thread of its
// own, MHD's content reader drains it. The reader suspends the connection when the buffer is
// empty and Write() resumes it; Write() waits while the buffer is full.
class Stream final : public StreamWriter {
 public:
  Stream(MHD_Connection* connection, const std::atomic<bool>& stopping)
      : connection_(connection), stopping_(stopping) {}

  bool Write(std::string_view chunk) override {
    std::unique_lock lock(mu_);
    while (!closed_ && !stopping_ && buffer_.size() >= kStreamBufferBytes) {
      // Stop() does not know the streams: look at stopping_ now and then.
      drained_.wait_for(lock, std::chrono::milliseconds(100));
    }
    if (closed_ || stopping_) return false;
    buffer_.append(chunk);
    ResumeLocked(lock);
    return true;
  }
  bool Stopping() const override { return stopping_; }

  // The stream function has returned.
  void Finish() {
    std::unique_lock lock(mu_);
    finished_ = true;
    ResumeLocked(lock);
  }

  // MHD's content reader, on an I/O thread.
  static ssize_t Read(void* cls, uint64_t, char* out, size_t max) {
    auto* stream = static_cast<std::shared_ptr<Stream>*>(cls)->get();
    std::lock_guard lock(stream->mu_);
    if (!stream->buffer_.empty()) {
      size_t n = std::min(max, stream->buffer_.size());
      std::memcpy(out, stream->buffer_.data(), n);
      stream->buffer_.erase(0, n);
      stream->drained_.notify_all();
      return static_cast<ssize_t>(n);
    }
    if (stream->finished_) return MHD_CONTENT_READER_END_OF_STREAM;
    // Allowed from the content reader; Write() or Finish() resumes.
    stream->suspended_ = true;
    MHD_suspend_connection(stream->connection_);
    return 0;
  }
  // MHD is done with the response (sent, or the connection is gone).
  static void Free(void* cls) {
    auto* holder = static_cast<std::shared_ptr<Stream>*>(cls);
    {
      std::lock_guard lock((*holder)->mu_);
      (*holder)->closed_ = true;
      (*holder)->drained_.notify_all();
    }
    delete holder;
  }

 private:
  // Resumes the connection if the reader suspended it; at most once per suspension. MHD's
  // resume only raises a flag for its I/O thread, so it is called after unlocking.
  void ResumeLocked(std::unique_lock<std::mutex>& lock) {
    if (!suspended_) return;
    suspended_ = false;
    lock.unlock();
    MHD_resume_connection(connection_);
  }

  MHD_Connection* const connection_;
  const std::atomic<bool>& stopping_;
  std::mutex mu_;
  std::condition_variable drained_;
  std::string buffer_;
  bool suspended_ = false;
  bool finished_ = false;
  bool closed_ = false;
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
  explicit Impl(const HttpServer& server)
      : server(server), options(server.options_), tasks(server.options_.num_threads) {}

  const HttpServer& server;
  const Options& options;
  MHD_Daemon* daemon = nullptr;
  int listen_fd = -1;  // MHD's, once Stop() has quiesced it
  std::atomic<bool> stopping{false};
  TaskThreads tasks;
  Deadlines deadlines;
  // Requests handed to a handler whose answer MHD has not finished sending; Stop() lets them
  // finish before it closes the connections.
  std::mutex in_flight_mu;
  std::condition_variable in_flight_cv;
  int in_flight = 0;
  std::atomic<int> connections{0};  // open ones
  std::mutex log_mu;
  std::string last_error;  // MHD's last log line, for Start()'s error

  enum class Stage { kReading, kRunning, kAnswerReady, kAnswered };

  // One request, from its request line (OnUri) to MHD's completion callback (OnCompleted).
  struct Request {
    std::string query;
    Stage stage = Stage::kReading;
    bool headers_seen = false;
    bool body_pending = false;  // a body was announced and has not been read in full
    Clock::time_point body_deadline;
    bool too_large = false;  // the body went over the limit: the rest is read and dropped
    bool head_only = false;
    bool in_flight = false;
    size_t limit = kDefaultMaxBody;
    const Route* route = nullptr;
    HttpRequest request;
    HttpResponse answer;  // set by the handler's thread before it resumes the connection
    bool answer_closes = false;
  };

  static void* OnUri(void*, const char* uri, MHD_Connection*) {
    auto* request = new Request;
    if (const char* q = std::strchr(uri, '?')) request->query = q + 1;
    return request;
  }

  static void OnConnection(void* cls, MHD_Connection* connection, void** context,
                           MHD_ConnectionNotificationCode code) {
    auto* impl = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      ++impl->connections;
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      auto* entry = impl->deadlines.Add(info->connect_fd);
      impl->deadlines.Set(entry, Deadlines::Kind::kHeaders,
                          Clock::now() + impl->options.request_timeout);
      *context = entry;
    } else if (*context != nullptr) {
      --impl->connections;
      impl->deadlines.Remove(static_cast<Deadlines::Connection*>(*context));
      *context = nullptr;
    }
  }

  // Closes a connection beyond max_connections right after accept, before MHD allocates
  // anything for it. (MHD's own limit stops accepting instead, leaving the excess waiting
  // in the listen backlog: it is set above this one, as a backstop.)
  static MHD_Result OnAccept(void* cls, const sockaddr*, socklen_t) {
    auto* impl = static_cast<Impl*>(cls);
    return impl->connections.load() < impl->options.max_connections ? MHD_YES : MHD_NO;
  }

  static Deadlines::Connection* DeadlineOf(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == nullptr ? nullptr : static_cast<Deadlines::Connection*>(info->socket_context);
  }
  void SetDeadline(MHD_Connection* connection, Deadlines::Kind kind,
                   std::chrono::milliseconds after) {
    if (Deadlines::Connection* entry = DeadlineOf(connection)) {
      deadlines.Set(entry, kind, Clock::now() + after);
    }
  }

  static void OnLog(void* cls, const char* format, va_list args) {
    auto* impl = static_cast<Impl*>(cls);
    char line[512];
    std::vsnprintf(line, sizeof(line), format, args);
    std::string_view text = line;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    spdlog::debug("http: {}", text);
    std::lock_guard lock(impl->log_mu);
    impl->last_error = text;
  }

  static MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<Headers*>(cls)->emplace_back(key, value ? value : "");
    return MHD_YES;
  }

  static MHD_Result OnAccess(void* cls, MHD_Connection* connection, const char* url,
                             const char* method, const char*, const char* upload_data,
                             size_t* upload_data_size, void** context) {
    auto* impl = static_cast<Impl*>(cls);
    auto* request = static_cast<Request*>(*context);
    if (request == nullptr) return MHD_NO;  // OnUri always sets it
    if (!request->headers_seen) {
      request->headers_seen = true;
      return impl->OnHeaders(connection, url, method, *request);
    }
    if (*upload_data_size > 0) {
      const size_t n = *upload_data_size;
      *upload_data_size = 0;
      if (request->stage != Stage::kReading) return MHD_YES;  // answered early: dropped
      // MHD cannot queue an answer while a body is coming in, only once it is complete.
      if (Clock::now() >= request->body_deadline) {
        impl->AnswerIncompleteBody(connection, *request);
        return MHD_NO;  // closes the connection
      }
      if (request->too_large) return MHD_YES;
      if (request->request.body.size() + n > request->limit) {
        request->too_large = true;
        request->request.body = std::string();
        return MHD_YES;
      }
      request->request.body.append(upload_data, n);
      return MHD_YES;
    }
    switch (request->stage) {
      case Stage::kReading: return impl->Dispatch(connection, *request);
      case Stage::kAnswerReady:
        return impl->Answer(connection, *request, std::move(request->answer),
                            request->answer_closes);
      case Stage::kRunning:
      case Stage::kAnswered: break;
    }
    return MHD_YES;
  }

  HttpResponse TooLarge(const Request& request) {
    return HttpResponse::Error(
        413, "request body exceeds the limit of " + std::to_string(request.limit) + " bytes");
  }

  // The headers are in: route, method, framing, the header check and the announced size are
  // decided here, on the I/O thread, before any of the body is read.
  MHD_Result OnHeaders(MHD_Connection* connection, std::string_view path, std::string_view method,
                       Request& request) {
    Headers headers;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader, &headers);
    std::optional<uint64_t> content_length;
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "Transfer-Encoding")) request.body_pending = true;
      if (EqualsIgnoreCase(name, "Content-Length")) {
        uint64_t n = 0;
        std::from_chars(value.data(), value.data() + value.size(), n);
        content_length = n;
        request.body_pending = request.body_pending || n > 0;
      }
    }
    if (request.body_pending) {
      request.body_deadline = Clock::now() + options.body_timeout;
      SetDeadline(connection, Deadlines::Kind::kBody, options.body_timeout);
    } else {
      SetDeadline(connection, Deadlines::Kind::kNone, {});
    }

    for (const auto& [route_path, candidate] : server.routes_) {
      if (route_path == path) request.route = &candidate;
    }
    if (request.route == nullptr) {
      size_t longest = 0;
      for (const auto& [prefix, candidate] : server.prefix_routes_) {
        if (path.starts_with(prefix) && prefix.size() > longest) {
          request.route = &candidate;
          longest = prefix.size();
        }
      }
    }
    if (std::optional<std::string> framing = FramingError(headers)) {
      return Answer(connection, request, HttpResponse::Error(400, *framing), true);
    }
    if (request.route == nullptr) {
      return Answer(connection, request,
                    HttpResponse::Error(404, "no such endpoint: " + std::string(path)),
                    request.body_pending);
    }
    const Route& route = *request.route;
    auto allows = [&](std::string_view m) {
      return std::find(route.methods.begin(), route.methods.end(), m) != route.methods.end();
    };
    // HEAD is GET without the body (RFC 9110 9.3.2): probes and load balancers use it. MHD
    // sends the headers of the answer only.
    request.head_only = method == "HEAD" && allows("GET");
    if (request.head_only) method = "GET";
    if (!allows(method)) {
      std::string allow;
      for (const auto& m : route.methods) {
        allow += (allow.empty() ? "" : ", ") + m;
        if (m == "GET") allow += ", HEAD";
      }
      HttpResponse response = HttpResponse::Error(
          405, "method " + std::string(method) + " not allowed; use " + allow);
      response.headers.emplace_back("Allow", allow);
      return Answer(connection, request, std::move(response), request.body_pending);
    }

    request.request.method = method;
    request.request.path = path;
    request.request.query = std::move(request.query);
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
      char text[INET6_ADDRSTRLEN] = "";
      const sockaddr* address = info->client_addr;
      if (address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                  sizeof(text));
      }
      request.request.remote_addr = text;
    }
    request.request.headers = std::move(headers);

    if (route.check_headers) {
      if (std::optional<HttpResponse> early = route.check_headers(request.request)) {
        return Answer(connection, request, std::move(*early), request.body_pending);
      }
    }
    request.limit = route.max_body_bytes ? route.max_body_bytes() : kDefaultMaxBody;
    if (content_length && *content_length > request.limit) {
      return Answer(connection, request, TooLarge(request), true);
    }
    return MHD_YES;
  }

  // The body is in: the handler runs on a task thread while the connection is suspended.
  MHD_Result Dispatch(MHD_Connection* connection, Request& request) {
    request.body_pending = false;
    SetDeadline(connection, Deadlines::Kind::kNone, {});
    if (request.too_large) return Answer(connection, request, TooLarge(request), true);
    if (stopping) {
      return Answer(connection, request, HttpResponse::Error(503, "server is stopping"), true);
    }
    request.stage = Stage::kRunning;
    {
      std::lock_guard lock(in_flight_mu);
      ++in_flight;
      request.in_flight = true;
    }
    MHD_suspend_connection(connection);
    bool queued = tasks.Run(
        [connection, &request] {
          HttpResponse response;
          try {
            response = request.route->handler(request.request);
          } catch (const std::exception& e) {
            spdlog::error("http: handler for {} {} failed: {}", request.request.method,
                          request.request.path, e.what());
            response = HttpResponse::Error(500, "internal error");
          }
          request.answer = std::move(response);
          request.stage = Stage::kAnswerReady;
          MHD_resume_connection(connection);  // MHD then calls OnAccess, which answers
        },
        true);
    if (!queued) {  // Stop() has begun
      request.answer = HttpResponse::Error(503, "server is stopping");
      request.answer_closes = true;
      request.stage = Stage::kAnswerReady;
      MHD_resume_connection(connection);
    }
    return MHD_YES;
  }

  // Counts the answer before queueing it, so a client that has read its answer finds it in
  // /metrics. `close` ends the connection after it (the request's rest is left unread).
  MHD_Result Answer(MHD_Connection* connection, Request& request, HttpResponse response,
                    bool close) {
    request.stage = Stage::kAnswered;
    if (request.route != nullptr && request.route->observe_status) {
      request.route->observe_status(response.status);
    }
    MHD_Response* reply = nullptr;
    std::shared_ptr<Stream> stream;
    if (response.stream && !request.head_only) {
      stream = std::make_shared<Stream>(connection, stopping);
      reply = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, &Stream::Read,
                                                new std::shared_ptr<Stream>(stream), &Stream::Free);
    } else {
      reply = MHD_create_response_from_buffer(response.body.size(), response.body.data(),
                                              MHD_RESPMEM_MUST_COPY);
    }
    MHD_add_response_header(reply, "Content-Type", response.content_type.c_str());
    for (const auto& [name, value] : response.headers) {
      MHD_add_response_header(reply, name.c_str(), value.c_str());
    }
    if (close) MHD_add_response_header(reply, "Connection", "close");
    MHD_Result queued =
        MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
    MHD_destroy_response(reply);
    if (queued == MHD_YES && stream) {
      {
        std::lock_guard lock(in_flight_mu);
        if (!request.in_flight) ++in_flight;
        request.in_flight = true;
      }
      bool started = tasks.Run(
          [stream, write = std::move(response.stream)] {
            try {
              write(*stream);
            } catch (const std::exception& e) {
              spdlog::error("http: stream failed: {}", e.what());
            }
            stream->Finish();
          },
          false);
      if (!started) stream->Finish();
    }
    return queued;
  }

  static void OnCompleted(void* cls, MHD_Connection* connection, void** context,
                          MHD_RequestTerminationCode code) {
    auto* impl = static_cast<Impl*>(cls);
    auto* request = static_cast<Request*>(*context);
    if (request == nullptr) return;
    *context = nullptr;
    if (request->body_pending && request->stage == Stage::kReading &&
        code != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN) {
      impl->AnswerIncompleteBody(connection, *request);
    }
    if (request->in_flight) {
      std::lock_guard lock(impl->in_flight_mu);
      --impl->in_flight;
      impl->in_flight_cv.notify_all();
    }
    // A kept-alive connection waits for the next request's headers.
    impl->SetDeadline(connection, Deadlines::Kind::kHeaders, impl->options.request_timeout);
    delete request;
  }

  // MHD gives up on a request whose body ends early (the client closed, or Deadlines shut the
  // socket down at body_timeout) without an answer, and offers no way to queue one while a
  // body comes in. The socket is still open then (MHD_USE_TURBO: no shutdown before
  // OnCompleted), so the 400 is written straight to it, and MHD closes the connection. Over
  // TLS it is written through the connection's GnuTLS session, which is still up: a client
  // that ended its side with a TLS close_notify gets it; one that closed the TCP stream
  // without close_notify broke the session (GnuTLS refuses to write on it), so it only sees
  // the connection close.
  void AnswerIncompleteBody(MHD_Connection* connection, Request& request) {
    request.stage = Stage::kAnswered;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(
        connection, server.tls() ? MHD_CONNECTION_INFO_GNUTLS_SESSION
                                 : MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == nullptr) return;
    HttpResponse response = HttpResponse::Error(
        400, "request body shorter than its Content-Length, or not received within " +
                 FormatDuration(options.body_timeout));
    if (request.route != nullptr && request.route->observe_status) {
      request.route->observe_status(response.status);
    }
    std::string raw = "HTTP/1.1 400 Bad Request\r\nContent-Type: " + response.content_type +
                      "\r\nContent-Length: " + std::to_string(response.body.size()) +
                      "\r\nConnection: close\r\n\r\n" + response.body;
    // Best effort: a few hundred bytes fit in any socket buffer.
    if (server.tls()) {
      (void)gnutls_record_send(static_cast<gnutls_session_t>(info->tls_session), raw.data(),
                               raw.size());
    } else {
      (void)send(info->connect_fd, raw.data(), raw.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
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

namespace {

Result<std::string> ReadPemFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return Unavailable("tls: cannot read " + std::string(what) + " " + path);
  }
  return text.str();
}

}  // namespace

Status HttpServer::Start() {
  static std::once_flag init_once;
  // A peer that hangs up mid-response must not kill the process.
  std::call_once(init_once, [] { signal(SIGPIPE, SIG_IGN); });

  auto address = ParseListenAddress(options_.listen);
  if (!address.ok()) return address.status();
  bool use_tls = !options_.tls_cert_file.empty() || !options_.tls_key_file.empty();
  if (use_tls && (options_.tls_cert_file.empty() || options_.tls_key_file.empty())) {
    return InvalidArgument("tls needs both cert_file and key_file");
  }
  std::string cert, key;
  if (use_tls) {
    auto c = ReadPemFile(options_.tls_cert_file, "certificate");
    if (!c.ok()) return c.status();
    auto k = ReadPemFile(options_.tls_key_file, "private key");
    if (!k.ok()) return k.status();
    cert = std::move(*c);
    key = std::move(*k);
  }
  sockaddr_in bind_address{};
  bind_address.sin_family = AF_INET;
  bind_address.sin_port = htons(static_cast<uint16_t>(address->second));
  inet_pton(AF_INET, address->first.c_str(), &bind_address.sin_addr);

  impl_ = std::make_unique<Impl>(*this);
  auto seconds = [](std::chrono::milliseconds d) {
    return static_cast<unsigned>((d.count() + 999) / 1000);
  };
  // MHD's idle timeout (per read or write) is only the backstop of Deadlines.
  const unsigned idle_timeout =
      seconds(std::max(options_.request_timeout, options_.body_timeout)) + 1;
  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_SOCK_ADDR, 0, &bind_address},
      {MHD_OPTION_THREAD_POOL_SIZE, kIoThreads, nullptr},
      // Per I/O thread, each may hold them all: OnAccept enforces the total.
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(options_.max_connections) * kIoThreads,
       nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout, nullptr},
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Impl::OnLog), impl_.get()},
      {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Impl::OnUri), impl_.get()},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Impl::OnConnection), impl_.get()},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::OnCompleted), impl_.get()},
  };
  if (use_tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, cert.data()});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, key.data()});
    items.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0,
                     const_cast<char*>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  // poll(), not epoll: MHD's epoll is edge-triggered and takes a short read for a drained
  // socket, so a FIN that came in with the last bytes of a short body went unseen until the
  // body deadline; poll() reports it on the next turn and the client gets its 400 at once.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
                   MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
  if (use_tls) flags |= MHD_USE_TLS;
  impl_->daemon = MHD_start_daemon(flags, 0, &Impl::OnAccept, impl_.get(), &Impl::OnAccess,
                                   impl_.get(), MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  if (impl_->daemon == nullptr) {
    std::string why;
    {
      std::lock_guard lock(impl_->log_mu);
      why = impl_->last_error.empty() ? "unknown error" : impl_->last_error;
    }
    impl_.reset();
    return Unavailable("cannot serve on " + options_.listen + ": " + why);
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : 0;
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->daemon == nullptr) return;
  impl_->stopping = true;
  impl_->listen_fd = MHD_quiesce_daemon(impl_->daemon);
  // Handlers finish and their answers are queued; streams see Stopping() and end.
  impl_->tasks.Join();
  {
    // ... and are sent, unless a client does not read them within request_timeout.
    std::unique_lock lock(impl_->in_flight_mu);
    impl_->in_flight_cv.wait_for(lock, options_.request_timeout,
                                 [&] { return impl_->in_flight == 0; });
  }
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  if (impl_->listen_fd >= 0) close(impl_->listen_fd);
  impl_->listen_fd = -1;
}

}  // namespace rebound::common
