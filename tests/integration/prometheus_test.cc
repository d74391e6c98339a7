// The Prometheus API client against the real Prometheus 2.42, served under a route prefix,
// scraping a fixed /metrics body from a server in this test. Everything on 127.0.0.1 with
// ports chosen at run time. Starting Prometheus and waiting for its first scrape takes ~6 s
// (static targets are applied in 5 s batches), so each test covers several queries.
#include "tests/support/prometheus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/http_server.h"
#include "common/sleeper.h"
#include "controller/promql/prometheus_http.h"
#include "common/backoff.h"

namespace rebound::controller::promql {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr const char* kMetrics =
    "# TYPE rebound_test_requests_total counter\n"
    "rebound_test_requests_total{code=\"200\"} 100\n"
    "rebound_test_requests_total{code=\"500\"} 3\n"
    "# TYPE rebound_test_temperature gauge\n"
    "rebound_test_temperature 21.5\n";

class ClientFactory {
 public:
  std::unique_ptr<PrometheusHttp> Make(std::string url) {
    PrometheusHttpOptions options;
    options.url = std::move(url);
    options.request_timeout = seconds(5);
    auto client = PrometheusHttp::Create(PrometheusHttpDeps{http_, sleeper_, random_, {}}, options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

 private:
  common::CurlHttpClient http_;
  common::RealSleeper sleeper_;
  common::SystemRandom random_;
};

class PrometheusIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::HttpServer::Route route;
    route.methods = {"GET"};
    route.handler = [](const common::HttpRequest&) {
      return common::HttpResponse::Text(200, kMetrics, "text/plain; version=0.0.4");
    };
    metrics_.Handle("/metrics", std::move(route));
    ASSERT_TRUE(metrics_.Start().ok());

    testing::Prometheus::Options options;
    options.scrape_targets = {"127.0.0.1:" + std::to_string(metrics_.port())};
    options.route_prefix = "/prom";
    prometheus_ = std::make_unique<testing::Prometheus>(dir_, options);
    ASSERT_TRUE(prometheus_->Start());
    ASSERT_TRUE(prometheus_->WaitForTargetsUp());
    client_ = clients_.Make(prometheus_->Url());
  }

  testing::TempDir dir_;
  common::HttpServer metrics_{common::HttpServer::Options{}};
  std::unique_ptr<testing::Prometheus> prometheus_;
  ClientFactory clients_;
  std::unique_ptr<PrometheusHttp> client_;
};

TEST_F(PrometheusIntegrationTest, InstantQueries) {
  auto sample = client_->InstantQuery("rebound_test_temperature", std::nullopt);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  const Vector& vector = std::get<Vector>(sample->value);
  ASSERT_EQ(vector.size(), 1u);
  EXPECT_EQ(vector[0].value, 21.5);
  EXPECT_EQ(vector[0].labels.at("__name__"), "rebound_test_temperature");
  EXPECT_EQ(vector[0].labels.at("job"), "static");
  EXPECT_EQ(vector[0].labels.at("instance"), "127.0.0.1:" + std::to_string(metrics_.port()));
  // Evaluated at Prometheus' "now", which is ours.
  EXPECT_LT(std::chrono::abs(vector[0].timestamp - std::chrono::system_clock::now()), seconds(60));
  EXPECT_TRUE(sample->warnings.empty());

  auto two = client_->InstantQuery("1 + 1", std::nullopt);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(std::get<Scalar>(two->value).value, 2.0);

  auto minus_inf = client_->InstantQuery("-1 / 0", std::nullopt);
  ASSERT_TRUE(minus_inf.ok()) << minus_inf.status().ToString();
  EXPECT_EQ(std::get<Scalar>(minus_inf->value).value, -std::numeric_limits<double>::infinity());

  auto nan = client_->InstantQuery("sum(rebound_test_temperature) / 0 - Inf", std::nullopt);
  ASSERT_TRUE(nan.ok()) << nan.status().ToString();
  EXPECT_TRUE(std::isnan(std::get<Vector>(nan->value).at(0).value));

  // Longer than a GET may be, so POSTed as a form.
  std::string long_query = "rebound_test_temperature";
  while (long_query.size() < 4000) long_query += " + 0 * rebound_test_temperature";
  auto posted = client_->InstantQuery(long_query, std::nullopt);
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();
  EXPECT_EQ(std::get<Vector>(posted->value).at(0).value, 21.5);
}

TEST_F(PrometheusIntegrationTest, ConditionsHoldAsAlertingRulesFire) {
  auto holds = EvaluateCondition(*client_, "rebound_test_requests_total{code=\"500\"} < 10");
  ASSERT_TRUE(holds.ok()) << holds.status().ToString();
  EXPECT_TRUE(*holds);
  auto fails = EvaluateCondition(*client_, "rebound_test_requests_total{code=\"500\"} > 10");
  ASSERT_TRUE(fails.ok()) << fails.status().ToString();
  EXPECT_FALSE(*fails);
  auto scalar = EvaluateCondition(*client_, "scalar(rebound_test_temperature) > bool 20");
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_TRUE(*scalar);
}

TEST_F(PrometheusIntegrationTest, RangeQueries) {
  auto end = std::chrono::system_clock::now();
  auto result = client_->RangeQuery("sum by (code) (rebound_test_requests_total)", end - seconds(3),
                                    end, milliseconds(500));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->matrix.size(), 2u);
  for (const Series& series : result->matrix) {
    ASSERT_FALSE(series.points.empty()) << series.labels.at("code");
    EXPECT_LE(series.points.size(), 7u);
    EXPECT_EQ(series.points.back().value, series.labels.at("code") == "500" ? 3 : 100);
    for (size_t i = 1; i < series.points.size(); ++i) {
      EXPECT_EQ(series.points[i].timestamp - series.points[i - 1].timestamp, milliseconds(500));
    }
  }

  auto too_many_points = client_->RangeQuery("rebound_test_temperature",
                                             end - std::chrono::hours(24), end, seconds(1));
  ASSERT_FALSE(too_many_points.ok());
  EXPECT_EQ(too_many_points.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many_points.status().message(), HasSubstr("11,000 points"));
}

TEST_F(PrometheusIntegrationTest, QueryErrors) {
  auto bad = client_->InstantQuery("rebound_test_temperature <", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("bad_data"));
  EXPECT_THAT(bad.status().message(), HasSubstr("parse error"));

  auto without_prefix = clients_.Make("http://127.0.0.1:" + std::to_string(prometheus_->port()));
  auto not_found = without_prefix->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_THAT(not_found.status().message(), HasSubstr("HTTP 404"));
}

TEST(PrometheusUnreachableTest, IsUnavailableNamingTheUrlWithoutCredentials) {
  ClientFactory clients;
  int port = testing::FreePort();  // nothing listens there
  auto client = clients.Make("http://rebound:s3cret@127.0.0.1:" + std::to_string(port) + "/prom");
  auto result = client->InstantQuery("up", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(),
              HasSubstr("Prometheus at http://127.0.0.1:" + std::to_string(port) + "/prom"));
  EXPECT_THAT(result.status().message(), HasSubstr("gave up after 3 attempts"));
  EXPECT_THAT(result.status().message(), ::testing::Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace rebound::controller::promql
