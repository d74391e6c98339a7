#include "controller/promql/prometheus_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "controller/promql/prometheus_http.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_sleeper.h"

namespace rebound::controller::promql {
namespace {

using ::testing::HasSubstr;

QueryResult Of(std::variant<Vector, Scalar, Matrix, StringValue> value) {
  QueryResult result;
  result.value = std::move(value);
  return result;
}

Scalar ScalarOf(double value) {
  Scalar scalar;
  scalar.value = value;
  return scalar;
}

TEST(ConditionHoldsTest, NonEmptyVectorHoldsWhateverItsValues) {
  Sample zero;
  zero.value = 0;  // an element all the same: alerting rules fire on it
  EXPECT_TRUE(*ConditionHolds(Of(Vector{zero})));
  EXPECT_FALSE(*ConditionHolds(Of(Vector{})));
}

TEST(ConditionHoldsTest, ScalarHoldsWhenNonZero) {
  EXPECT_TRUE(*ConditionHolds(Of(ScalarOf(1))));
  EXPECT_TRUE(*ConditionHolds(Of(ScalarOf(-0.5))));
  EXPECT_TRUE(*ConditionHolds(Of(ScalarOf(std::numeric_limits<double>::infinity()))));
  EXPECT_FALSE(*ConditionHolds(Of(ScalarOf(0))));
  EXPECT_FALSE(*ConditionHolds(Of(ScalarOf(std::nan("")))));
}

TEST(ConditionHoldsTest, MatrixAndStringAreNotConditions) {
  EXPECT_EQ(ConditionHolds(Of(Matrix{})).status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConditionHolds(Of(StringValue{})).status().code(),
            common::StatusCode::kInvalidArgument);
}

class EvaluateConditionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PrometheusHttpOptions options;
    options.url = "http://127.0.0.1:9090";
    auto client = PrometheusHttp::Create(PrometheusHttpDeps{http_, sleeper_, random_, {}}, options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    prometheus_ = std::move(client).value();
  }

  testing::FakeHttpClient http_;
  testing::FakeClock clock_;
  testing::FakeSleeper sleeper_{clock_};
  testing::FixedRandom random_{0.0};
  std::unique_ptr<PrometheusHttp> prometheus_;
};

TEST_F(EvaluateConditionTest, ComparisonThatFiltersEverythingOutDoesNotHold) {
  http_.Push(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  auto holds = EvaluateCondition(*prometheus_, "rate(http_requests_total[1m]) < 0.1");
  ASSERT_TRUE(holds.ok()) << holds.status().ToString();
  EXPECT_FALSE(*holds);
}

TEST_F(EvaluateConditionTest, ComparisonWithMatchingSeriesHolds) {
  http_.Push(
      200,
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"code":"500"},"value":[1795340373.135,"0.02"]}]}})");
  auto holds = EvaluateCondition(*prometheus_, "rate(http_requests_total[1m]) < 0.1");
  ASSERT_TRUE(holds.ok()) << holds.status().ToString();
  EXPECT_TRUE(*holds);
}

TEST_F(EvaluateConditionTest, ScalarCondition) {
  http_.Push(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1795340373.003,"0"]}})");
  auto holds = EvaluateCondition(*prometheus_, "1 > bool 2");
  ASSERT_TRUE(holds.ok()) << holds.status().ToString();
  EXPECT_FALSE(*holds);
}

TEST_F(EvaluateConditionTest, RangeVectorNamesTheQuery) {
  http_.Push(
      200,
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795340368.516,"0"]]}]}})");
  auto holds = EvaluateCondition(*prometheus_, "up[5m]");
  ASSERT_FALSE(holds.ok());
  EXPECT_EQ(holds.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(holds.status().message(), HasSubstr("condition \"up[5m]\""));
}

TEST_F(EvaluateConditionTest, QueryFailurePassesThrough) {
  http_.Push(
      400,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})");
  auto holds = EvaluateCondition(*prometheus_, "up <");
  ASSERT_FALSE(holds.ok());
  EXPECT_EQ(holds.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(holds.status().message(), HasSubstr("bad_data"));
}

}  // namespace
}  // namespace rebound::controller::promql
