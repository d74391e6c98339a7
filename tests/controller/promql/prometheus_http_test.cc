#include "controller/promql/prometheus_http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <map>

#include "common/percent_encoding.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_sleeper.h"

namespace rebound::controller::promql {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kVectorBody =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"self"},"value":[1795340375.500,"0"]}]}})";
constexpr const char* kMatrixBody =
    R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795340375,"2"],[1795340376,"2"]]}]}})";
constexpr const char* kParseErrorBody =
    R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})";
constexpr const char* kExecutionErrorBody =
    R"({"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"})";
constexpr const char* kTimeoutBody =
    R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})";
constexpr const char* kUnavailableBody =
    R"({"status":"error","errorType":"unavailable","error":"TSDB not ready"})";

// "a=x%20y&b=2" → {a: "x y", b: "2"}; Prometheus' own decoding of what we send.
std::map<std::string, std::string> DecodeForm(std::string_view form) {
  std::map<std::string, std::string> params;
  while (!form.empty()) {
    std::string_view pair = form.substr(0, form.find('&'));
    form.remove_prefix(std::min(form.size(), pair.size() + 1));
    std::string_view key = pair.substr(0, pair.find('='));
    params[std::string(key)] = common::FormDecode(pair.substr(key.size() + 1));
  }
  return params;
}

std::string UrlPath(const std::string& url) { return url.substr(0, url.find('?')); }
std::map<std::string, std::string> UrlParams(const std::string& url) {
  size_t question = url.find('?');
  return question == std::string::npos ? std::map<std::string, std::string>{}
                                       : DecodeForm(std::string_view(url).substr(question + 1));
}

TimePoint AtMillis(int64_t ms) { return TimePoint(milliseconds(ms)); }

class PrometheusHttpTest : public ::testing::Test {
 protected:
  std::unique_ptr<PrometheusHttp> Make(PrometheusHttpOptions options) {
    auto client = PrometheusHttp::Create(
        PrometheusHttpDeps{http_, sleeper_, random_, stop_.get_token()}, options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  std::unique_ptr<PrometheusHttp> Make(std::string url = "http://127.0.0.1:9090") {
    PrometheusHttpOptions options;
    options.url = std::move(url);
    return Make(std::move(options));
  }

  testing::FakeHttpClient http_;
  testing::FakeClock clock_;
  testing::FakeSleeper sleeper_{clock_};
  testing::FixedRandom random_{0.0};  // backoff waits are then exactly half the step
  std::stop_source stop_;
};

TEST_F(PrometheusHttpTest, InstantQueryIsAGetWithQueryTimeAndTimeout) {
  auto prometheus = Make();
  http_.Push(200, kVectorBody);
  auto result =
      prometheus->InstantQuery("sum by (job) (up{job=~\"a|b\"}) < 0.1", AtMillis(1795340375500));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(std::get<Vector>(result->value).at(0).labels.at("job"), "self");

  common::HttpClientRequest request = http_.last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(UrlPath(request.url), "http://127.0.0.1:9090/api/v1/query");
  EXPECT_EQ(UrlParams(request.url),
            (std::map<std::string, std::string>{{"query", "sum by (job) (up{job=~\"a|b\"}) < 0.1"},
                                                {"time", "1795340375.5"},
                                                {"timeout", "9"}}));
  EXPECT_EQ(request.timeout, milliseconds(10000));
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Accept", "application/json")));
}

TEST_F(PrometheusHttpTest, InstantQueryWithoutTimeLetsPrometheusChooseNow) {
  auto prometheus = Make();
  http_.Push(200, kVectorBody);
  ASSERT_TRUE(prometheus->InstantQuery("up", std::nullopt).ok());
  EXPECT_EQ(UrlParams(http_.last().url).count("time"), 0u);
}

TEST_F(PrometheusHttpTest, RangeQueryParameters) {
  auto prometheus = Make();
  http_.Push(200, kMatrixBody);
  auto result = prometheus->RangeQuery("rate(x[1m])", AtMillis(1795340375000),
                                       AtMillis(1795340376000), milliseconds(500));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->matrix.size(), 1u);
  EXPECT_EQ(result->matrix[0].points.size(), 2u);
  EXPECT_EQ(UrlPath(http_.last().url), "http://127.0.0.1:9090/api/v1/query_range");
  EXPECT_EQ(UrlParams(http_.last().url),
            (std::map<std::string, std::string>{{"query", "rate(x[1m])"},
                                                {"start", "1795340375"},
                                                {"end", "1795340376"},
                                                {"step", "0.5"},
                                                {"timeout", "9"}}));
}

TEST_F(PrometheusHttpTest, PathPrefixAndCredentials) {
  auto prometheus = Make("https://rebound:s3cret@prom.example:8443/monitoring/prometheus/");
  EXPECT_EQ(prometheus->url(), "https://prom.example:8443/monitoring/prometheus");
  http_.Push(200, kVectorBody);
  ASSERT_TRUE(prometheus->InstantQuery("up", std::nullopt).ok());
  common::HttpClientRequest request = http_.last();
  EXPECT_EQ(UrlPath(request.url), "https://prom.example:8443/monitoring/prometheus/api/v1/query");
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Authorization", "Basic cmVib3VuZDpzM2NyZXQ=")));
}

TEST_F(PrometheusHttpTest, LongQueriesArePostedFormEncoded) {
  PrometheusHttpOptions options;
  options.url = "http://127.0.0.1:9090/prefix";
  options.max_get_url_length = 100;
  auto prometheus = Make(options);
  std::string short_query = "up";
  std::string long_query =
      "sum(rate(http_requests_total{code=~\"5..\",namespace=\"shop\"}[5m])) / "
      "sum(rate(http_requests_total{namespace=\"shop\"}[5m])) > 0.01";
  http_.Push(200, kVectorBody);
  http_.Push(200, kVectorBody);
  ASSERT_TRUE(prometheus->InstantQuery(short_query, std::nullopt).ok());
  ASSERT_TRUE(prometheus->InstantQuery(long_query, AtMillis(1000)).ok());

  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9090/prefix/api/v1/query");
  EXPECT_THAT(requests[1].headers, ::testing::Contains(std::pair<std::string, std::string>(
                                       "Content-Type", "application/x-www-form-urlencoded")));
  EXPECT_EQ(
      DecodeForm(requests[1].body),
      (std::map<std::string, std::string>{{"query", long_query}, {"time", "1"}, {"timeout", "9"}}));
}

TEST_F(PrometheusHttpTest, PrometheusTimeoutIsShorterThanTheRequestTimeout) {
  PrometheusHttpOptions options;
  options.url = "http://127.0.0.1:9090";
  options.request_timeout = milliseconds(2500);
  auto prometheus = Make(options);
  http_.Push(200, kVectorBody);
  ASSERT_TRUE(prometheus->InstantQuery("up", std::nullopt).ok());
  EXPECT_EQ(http_.last().timeout, milliseconds(2500));
  EXPECT_EQ(UrlParams(http_.last().url).at("timeout"), "2.25");
}

TEST_F(PrometheusHttpTest, WarningsReachTheCaller) {
  auto prometheus = Make();
  http_.Push(
      200,
      R"({"status":"success","data":{"resultType":"matrix","result":[]},"warnings":["remote read failed"]})");
  auto result = prometheus->RangeQuery("up", AtMillis(0), AtMillis(1000), milliseconds(1000));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_THAT(result->warnings, ElementsAre("remote read failed"));
}

TEST_F(PrometheusHttpTest, BadQueryIsInvalidArgumentAndNotRetried) {
  auto prometheus = Make();
  http_.Push(400, kParseErrorBody);
  auto result = prometheus->InstantQuery("up <", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("\"up <\""));
  EXPECT_THAT(result.status().message(),
              HasSubstr("bad_data: invalid parameter \"query\": 1:5: parse error"));
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(PrometheusHttpTest, ExecutionErrorIsInvalidArgumentAndNotRetried) {
  auto prometheus = Make();
  http_.Push(422, kExecutionErrorBody);
  auto result = prometheus->InstantQuery("a or b", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("execution: vector cannot contain metrics"));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, ServerErrorsAreRetriedWithBackoffThenSucceed) {
  auto prometheus = Make();
  http_.Push(503, kUnavailableBody);
  http_.Push(500, R"({"status":"error","errorType":"internal","error":"boom"})");
  http_.Push(200, kVectorBody);
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(125), milliseconds(250)));
}

TEST_F(PrometheusHttpTest, RetriesAreBounded) {
  auto prometheus = Make();
  http_.SetHandler([](const common::HttpClientRequest&) {
    common::HttpClientResponse response;
    response.status = 502;
    response.body = "<html>Bad Gateway</html>";
    return common::Result<common::HttpClientResponse>(response);
  });
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("gave up after 3 attempts"));
  EXPECT_THAT(result.status().message(), HasSubstr("HTTP 502: <html>Bad Gateway</html>"));
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
}

TEST_F(PrometheusHttpTest, StopEndsARetryWaitWithCancelled) {
  auto prometheus = Make();
  http_.Push(503, kUnavailableBody);
  http_.Push(200, kVectorBody);
  sleeper_.HoldUntilStopped(std::chrono::seconds(10));
  std::future<common::Status> got = std::async(
      std::launch::async, [&] { return prometheus->InstantQuery("up", std::nullopt).status(); });
  ASSERT_TRUE(sleeper_.WaitForSleeps(1, std::chrono::seconds(10)));  // backing off
  const auto stopping = std::chrono::steady_clock::now();
  stop_.request_stop();
  ASSERT_EQ(got.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5))
      << "waited out the hold";
  common::Status status = got.get();
  EXPECT_EQ(status.code(), common::StatusCode::kCancelled);
  EXPECT_EQ(status.message(),
            "stopping: not retried after attempt 1: Prometheus at http://127.0.0.1:9090 answered "
            "HTTP 503 unavailable: TSDB not ready");
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, MaxAttemptsOneDisablesRetries) {
  PrometheusHttpOptions options;
  options.url = "http://127.0.0.1:9090";
  options.retry.max_attempts = 1;
  auto prometheus = Make(options);
  http_.Push(503, kUnavailableBody);
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), Not(HasSubstr("gave up")));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, UnreachableIsUnavailableNamingTheUrlWithoutCredentials) {
  auto prometheus = Make("http://rebound:s3cret@127.0.0.1:9/prefix");
  http_.SetHandler([](const common::HttpClientRequest& request) {
    return common::Result<common::HttpClientResponse>(common::Unavailable(
        "GET " + request.url.substr(0, request.url.find('/', 8)) + "/...: Couldn't connect"));
  });
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("Prometheus at http://127.0.0.1:9/prefix"));
  EXPECT_THAT(result.status().message(), HasSubstr("Couldn't connect"));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("s3cret")));
  EXPECT_EQ(http_.requests().size(), 3u);
}

TEST_F(PrometheusHttpTest, TransportTimeoutIsDeadlineExceededAfterRetries) {
  auto prometheus = Make();
  http_.SetHandler([](const common::HttpClientRequest&) {
    return common::Result<common::HttpClientResponse>(
        common::DeadlineExceeded("GET http://127.0.0.1:9090/...: Timeout was reached"));
  });
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(http_.requests().size(), 3u);
}

TEST_F(PrometheusHttpTest, PrometheusQueryTimeoutIsDeadlineExceededAndNotRetried) {
  auto prometheus = Make();
  http_.Push(503, kTimeoutBody);
  auto result = prometheus->InstantQuery("count_over_time(up[1y:1s])", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("timeout: query timed out"));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, MalformedRequestFromTheTransportIsNotRetried) {
  auto prometheus = Make();
  http_.Push(common::InvalidArgument("GET http://127.0.0.1:9090/...: URL using bad format"));
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, UnparsableSuccessBodyIsInternal) {
  auto prometheus = Make();
  http_.Push(200, "<html>login page</html>");
  auto result = prometheus->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(), HasSubstr("<html>login page</html>"));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PrometheusHttpTest, OtherClientErrorsAreNotRetried) {
  auto prometheus = Make("http://127.0.0.1:9090/wrong-prefix");
  http_.Push(404, "404 page not found");
  http_.Push(401, "Unauthorized");
  http_.Push(403, "Forbidden");
  auto not_found = prometheus->InstantQuery("up", std::nullopt);
  auto unauthenticated = prometheus->InstantQuery("up", std::nullopt);
  auto forbidden = prometheus->InstantQuery("up", std::nullopt);
  EXPECT_EQ(not_found.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_THAT(not_found.status().message(),
              HasSubstr("Prometheus at http://127.0.0.1:9090/wrong-prefix answered HTTP 404"));
  EXPECT_THAT(not_found.status().message(), HasSubstr("path prefix"));
  EXPECT_EQ(unauthenticated.status().code(), common::StatusCode::kUnauthenticated);
  EXPECT_EQ(forbidden.status().code(), common::StatusCode::kPermissionDenied);
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(PrometheusHttpTest, CreateRejectsABadUrl) {
  PrometheusHttpOptions options;
  options.url = "127.0.0.1:9090";
  auto client = PrometheusHttp::Create(PrometheusHttpDeps{http_, sleeper_, random_, {}}, options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), common::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rebound::controller::promql
