#include "common/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"

namespace rebound::common {
namespace {

using rebound::testing::RunCommand;
using rebound::testing::TempDir;

// Writes a self-signed certificate for 127.0.0.1 and its key to dir/cert.pem and dir/key.pem.
void WriteCertificate(const TempDir& dir) {
  auto gen = RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                        "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir.File("key.pem") +
                        " -out " + dir.File("cert.pem"));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
}

// A TLS client that writes raw bytes, can end its side of the stream with a TLS close_notify
// while still reading, and reads with a deadline: what RawConnection is over plain TCP.
class RawTlsConnection {
 public:
  explicit RawTlsConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);  // the server's certificate is not checked: the framing is tested
    SSL_set_fd(ssl_, fd_);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                 SSL_connect(ssl_) == 1;
  }
  ~RawTlsConnection() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  // Sends close_notify: the client is done writing, and reads on.
  void FinishSending() { (void)SSL_shutdown(ssl_); }
  // What arrives within `timeout` (per read), until `until` has been seen or the stream ends.
  std::string Receive(std::chrono::seconds timeout, const std::string& until) {
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string out;
    char buf[4096];
    while (out.find(until) == std::string::npos) {
      int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServer::Options options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    HttpServer::Route echo;
    echo.methods = {"POST", "PUT"};
    echo.handler = [](const HttpRequest& r) {
      return HttpResponse::Json(200, {{"body", r.body},
                                      {"method", r.method},
                                      {"q", r.QueryParam("q").value_or("-")},
                                      {"agent", std::string(r.Header("x-agent").value_or(""))}});
    };
    echo.max_body_bytes = [this] { return limit_.load(); };
    echo.check_headers = [](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.Header("X-Deny")) return HttpResponse::Error(401, "denied");
      return std::nullopt;
    };
    echo.observe_status = [this](int status) {
      std::lock_guard<std::mutex> lock(observed_mutex_);
      observed_.push_back(status);
      observed_cv_.notify_all();
    };
    server_->Handle("/echo", std::move(echo));
    HttpServer::Route boom;
    boom.methods = {"GET"};
    boom.handler = [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); };
    server_->Handle("/boom", std::move(boom));
    HttpServer::Route prefix;
    prefix.methods = {"GET"};
    prefix.handler = [](const HttpRequest& r) { return HttpResponse::Text(200, "short:" + r.path); };
    server_->HandlePrefix("/api/", std::move(prefix));
    HttpServer::Route longer;
    longer.methods = {"GET"};
    longer.handler = [](const HttpRequest& r) { return HttpResponse::Text(200, "long:" + r.path); };
    server_->HandlePrefix("/api/v1/", std::move(longer));
    HttpServer::Route stream;
    stream.methods = {"GET"};
    stream.handler = [](const HttpRequest&) {
      HttpResponse response;
      response.stream = [](StreamWriter& writer) {
        for (int i = 0; i < 3; ++i) writer.Write("{\"n\":" + std::to_string(i) + "}\n");
      };
      return response;
    };
    server_->Handle("/stream", std::move(stream));
    HttpServer::Route big_stream;
    big_stream.methods = {"GET"};
    big_stream.handler = [](const HttpRequest&) {
      HttpResponse response;
      response.stream = [](StreamWriter& writer) {
        // Far more than the server buffers: Write() must wait for the client, not drop.
        for (int i = 0; i < 512; ++i) {
          if (!writer.Write(std::string(4095, static_cast<char>('a' + i % 26)) + "\n")) return;
        }
      };
      return response;
    };
    server_->Handle("/big-stream", std::move(big_stream));
    HttpServer::Route slow;
    slow.methods = {"GET"};
    slow.handler = [this](const HttpRequest&) {
      std::unique_lock<std::mutex> lock(slow_mutex_);
      ++slow_entered_;
      slow_cv_.notify_all();
      slow_cv_.wait(lock, [&] { return slow_released_; });
      return HttpResponse::Text(200, "slow");
    };
    server_->Handle("/slow", std::move(slow));
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  Result<HttpClientResponse> Send(std::string method, std::string path, std::string body = "",
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpClientRequest request;
    request.method = std::move(method);
    request.url = std::string(server_->tls() ? "https" : "http") + "://127.0.0.1:" +
                  std::to_string(server_->port()) + path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    // Without keep-alive the server's Stop() need not wait for idle connections to time out.
    if (!keep_alive_) request.headers.emplace_back("Connection", "close");
    request.timeout = std::chrono::seconds(10);
    request.tls.ca_file = ca_file_;
    return client_.Send(request);
  }

  // The status is observed after the response is sent, so the client can see the
  // response first: wait for the expected number of observations.
  std::vector<int> Observed(size_t count) {
    std::unique_lock<std::mutex> lock(observed_mutex_);
    observed_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return observed_.size() >= count; });
    return observed_;
  }

  CurlHttpClient client_;
  std::atomic<size_t> limit_{1024};
  std::mutex observed_mutex_;
  std::condition_variable observed_cv_;
  std::vector<int> observed_;
  std::string ca_file_;
  bool keep_alive_ = false;
  // /slow blocks until released.
  std::mutex slow_mutex_;
  std::condition_variable slow_cv_;
  int slow_entered_ = 0;
  bool slow_released_ = false;
  // Last, so it is destroyed first: its threads use the members above.
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesRequestWithBodyQueryAndHeaders) {
  StartServer();
  auto response = Send("POST", "/echo?q=a%20b&x=1", "hello", {{"X-Agent", "t"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  auto json = nlohmann::json::parse(response->body);
  EXPECT_EQ(json["body"], "hello");
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["q"], "a b");
  EXPECT_EQ(json["agent"], "t");
  EXPECT_EQ(response->Header("content-type"), "application/json");
}

TEST_F(HttpServerTest, UnknownPathIs404WithJsonError) {
  StartServer();
  auto response = Send("GET", "/nope");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(nlohmann::json::parse(response->body)["status"], "error");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllowHeader) {
  StartServer();
  auto response = Send("GET", "/echo");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("allow"), "POST, PUT");
  EXPECT_EQ(Observed(1), std::vector<int>{405});
}

TEST_F(HttpServerTest, HeadIsGetWithoutTheBody) {
  StartServer();
  auto get = Send("GET", "/api/v1/x");
  auto head = Send("HEAD", "/api/v1/x");
  ASSERT_TRUE(get.ok());
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(get->body, "long:/api/v1/x");
  EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
  // A route without GET does not answer HEAD either.
  auto refused = Send("HEAD", "/echo");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 405);
}

TEST_F(HttpServerTest, AllowHeaderOfAGetRouteListsHead) {
  StartServer();
  auto response = Send("POST", "/boom");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, BodyOverLimitIs413AndLimitIsReadPerRequest) {
  StartServer();
  auto big = Send("POST", "/echo", std::string(1025, 'x'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);
  auto exact = Send("POST", "/echo", std::string(1024, 'x'));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->status, 200);
  limit_ = 2048;
  auto raised = Send("POST", "/echo", std::string(1025, 'x'));
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(raised->status, 200);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  StartServer();
  auto response = Send("POST", "/echo", std::string(4096, 'x'), {{"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 413);
}

// Framing that cannot be trusted is refused at once, before any body is read (RFC 9112 6.3).
TEST_F(HttpServerTest, UntrustworthyFramingIs400AtOnce) {
  StartServer();
  for (const std::string framing : {"Content-Length: 2\r\nContent-Length: 3\r\n",
                                    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                                    "Content-Length: 2x\r\n"}) {
    testing::RawConnection raw(server_->port());
    ASSERT_TRUE(raw.connected());
    // The connection stays open: the answer must not wait for the body or a timeout.
    ASSERT_TRUE(raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\n" + framing + "\r\nok"));
    std::string response = raw.Receive(std::chrono::seconds(5), "\r\n\r\n");
    EXPECT_EQ(testing::RawConnection::Status(response), 400) << framing << response;
  }
}

TEST_F(HttpServerTest, BodyShorterThanItsLengthIs400WhenTheClientCloses) {
  StartServer();
  testing::RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort"));
  raw.FinishSending();
  std::string response = raw.Receive(std::chrono::seconds(5), "\r\n\r\n");
  EXPECT_EQ(testing::RawConnection::Status(response), 400) << response;
}

// Over TLS too: a client that ends its side with close_notify before the body is complete gets
// its 400, written through the connection's TLS session.
TEST_F(HttpServerTest, BodyShorterThanItsLengthIs400WhenATlsClientCloses) {
  TempDir dir;
  WriteCertificate(dir);
  HttpServer::Options options;
  options.tls_cert_file = dir.File("cert.pem");
  options.tls_key_file = dir.File("key.pem");
  StartServer(options);
  RawTlsConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort"));
  raw.FinishSending();
  std::string response = raw.Receive(std::chrono::seconds(5), "\r\n\r\n");
  EXPECT_EQ(testing::RawConnection::Status(response), 400) << response;
}

// The body deadline is for the whole body: a client that sends a byte now and then does not
// keep the worker past it, and a client that stops short gets 400 at the deadline.
TEST_F(HttpServerTest, BodyNotInByTheDeadlineIs400) {
  HttpServer::Options options;
  options.body_timeout = std::chrono::milliseconds(500);
  StartServer(options);
  testing::RawConnection stalled(server_->port());
  ASSERT_TRUE(stalled.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort"));
  testing::RawConnection dripping(server_->port());
  ASSERT_TRUE(dripping.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  std::string dripped;
  while (dripped.find("\r\n\r\n") == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    if (!dripping.Send("x")) break;
    dripped += dripping.Receive(std::chrono::milliseconds(100), "\r\n\r\n");
  }
  EXPECT_EQ(testing::RawConnection::Status(dripped), 400) << dripped;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::string response = stalled.Receive(std::chrono::seconds(5), "\r\n\r\n");
  EXPECT_EQ(testing::RawConnection::Status(response), 400) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
}

TEST_F(HttpServerTest, HeaderCheckAnswersBeforeTheBodyIsRead) {
  keep_alive_ = true;
  StartServer();
  // The body is over the limit, but the header check decides first.
  auto response = Send("POST", "/echo", std::string(4096, 'x'), {{"X-Deny", "1"}});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 401);
  // The unread body would be taken for the next request, so that connection is closed.
  EXPECT_EQ(response->Header("connection"), "close");
  auto next = Send("POST", "/echo", "ok");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200);
  // Each request was on its own connection, served by its own thread: the two
  // observations can arrive in either order.
  std::vector<int> observed = Observed(2);
  std::sort(observed.begin(), observed.end());
  EXPECT_EQ(observed, (std::vector<int>{200, 401}));
}

TEST_F(HttpServerTest, PrefixRoutesPickTheLongestMatchAfterExactRoutes) {
  StartServer();
  EXPECT_EQ(Send("GET", "/api/v1/pods")->body, "long:/api/v1/pods");
  EXPECT_EQ(Send("GET", "/api/version")->body, "short:/api/version");
  EXPECT_EQ(Send("GET", "/apis")->status, 404);
}

TEST_F(HttpServerTest, StreamsChunkedResponses) {
  StartServer();
  auto response = Send("GET", "/stream");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(response->body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

TEST_F(HttpServerTest, StreamLargerThanTheServersBufferArrivesWhole) {
  StartServer();
  auto response = Send("GET", "/big-stream");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->body.size(), 512u * 4096);
  for (size_t i = 0; i < 512; ++i) {
    ASSERT_EQ(response->body[i * 4096], static_cast<char>('a' + i % 26)) << i;
  }
}

// Handlers run off the I/O threads: requests stuck in a slow handler (the journal, the
// Kubernetes API) do not delay the others.
TEST_F(HttpServerTest, SlowHandlersDoNotDelayOtherRoutes) {
  HttpServer::Options options;
  options.num_threads = 4;
  StartServer(options);
  std::vector<std::thread> stuck;
  std::vector<int> statuses(3, 0);
  for (int i = 0; i < 3; ++i) {
    stuck.emplace_back([&, i] {
      auto response = Send("GET", "/slow");
      statuses[i] = response.ok() ? response->status : -1;
    });
  }
  {
    std::unique_lock<std::mutex> lock(slow_mutex_);
    ASSERT_TRUE(
        slow_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return slow_entered_ == 3; }));
  }
  for (int i = 0; i < 5; ++i) {
    HttpClientRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/api/v1/x";
    request.timeout = std::chrono::seconds(1);
    auto response = client_.Send(request);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status().ToString();
    EXPECT_EQ(response->body, "long:/api/v1/x");
  }
  {
    std::lock_guard<std::mutex> lock(slow_mutex_);
    slow_released_ = true;
  }
  slow_cv_.notify_all();
  for (std::thread& t : stuck) t.join();
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200}));
}

// Stop() lets a running handler finish and its answer go out.
TEST_F(HttpServerTest, StopWaitsForRunningHandlersToAnswer) {
  StartServer();
  int status = 0;
  std::thread client([&] {
    auto response = Send("GET", "/slow");
    status = response.ok() ? response->status : -1;
  });
  {
    std::unique_lock<std::mutex> lock(slow_mutex_);
    ASSERT_TRUE(
        slow_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return slow_entered_ == 1; }));
  }
  std::thread stopper([&] { server_->Stop(); });
  {
    std::lock_guard<std::mutex> lock(slow_mutex_);
    slow_released_ = true;
  }
  slow_cv_.notify_all();
  stopper.join();
  client.join();
  EXPECT_EQ(status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  StartServer();
  auto response = Send("GET", "/boom");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
}

TEST_F(HttpServerTest, ServesHttpsWithCertificateAndKeyFiles) {
  TempDir dir;
  WriteCertificate(dir);
  HttpServer::Options options;
  options.tls_cert_file = dir.File("cert.pem");
  options.tls_key_file = dir.File("key.pem");
  ca_file_ = dir.File("cert.pem");
  StartServer(options);
  auto response = Send("POST", "/echo", "secure");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  // A client that does not trust the certificate fails.
  ca_file_.clear();
  EXPECT_FALSE(Send("POST", "/echo", "x").ok());
}

TEST(HttpServerStartTest, MissingKeyFileFailsToStart) {
  TempDir dir;
  auto gen = RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=x -keyout " +
                        dir.File("key.pem") + " -out " + dir.File("cert.pem"));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  HttpServer::Options options;
  options.tls_cert_file = dir.File("cert.pem");
  options.tls_key_file = dir.File("missing.pem");
  HttpServer server(options);
  EXPECT_FALSE(server.Start().ok());
}

TEST(HttpServerStartTest, PortInUseFailsToStart) {
  HttpServer first(HttpServer::Options{});
  ASSERT_TRUE(first.Start().ok());
  HttpServer::Options options;
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(options);
  Status status = second.Start();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

TEST(ListenAddressTest, ParsesAndRejects) {
  auto ok = ParseListenAddress("127.0.0.1:9464");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "127.0.0.1");
  EXPECT_EQ(ok->second, 9464);
  EXPECT_EQ(ParseListenAddress("localhost:0")->first, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress(":80")->first, "0.0.0.0");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:99999").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:x").ok());
  EXPECT_FALSE(ParseListenAddress("example.com:80").ok());
}

}  // namespace
}  // namespace rebound::common
