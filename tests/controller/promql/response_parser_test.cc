// Bodies below were recorded from Prometheus 2.42 (Debian bookworm) answering real queries.
#include "controller/promql/response_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rebound::controller::promql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TimePoint AtMillisParsed(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

TEST(ParseInstantQueryBodyTest, Vector) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19391","job":"self"},"value":[1795340369.052,"1"]},{"metric":{"job":"x"},"value":[1795340369.052,"0.25"]}]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Vector& vector = std::get<Vector>(result->value);
  ASSERT_EQ(vector.size(), 2u);
  EXPECT_EQ(vector[0].labels,
            (Labels{{"__name__", "up"}, {"instance", "127.0.0.1:19391"}, {"job", "self"}}));
  EXPECT_EQ(vector[0].value, 1.0);
  EXPECT_EQ(vector[0].timestamp, AtMillisParsed(1795340369052));
  EXPECT_EQ(vector[1].labels, (Labels{{"job", "x"}}));
  EXPECT_EQ(vector[1].value, 0.25);
  EXPECT_TRUE(result->warnings.empty());
}

TEST(ParseInstantQueryBodyTest, EmptyVector) {
  auto result =
      ParseInstantQueryBody(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(std::get<Vector>(result->value).empty());
}

TEST(ParseInstantQueryBodyTest, SpecialValuesInAVector) {
  // sum(up) / 0 and friends.
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795340373.135,"NaN"]},{"metric":{"a":"1"},"value":[1795340373.135,"+Inf"]},{"metric":{"a":"2"},"value":[1795340373.135,"-Inf"]},{"metric":{"a":"3"},"value":[1795340373.135,"1e+06"]}]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Vector& vector = std::get<Vector>(result->value);
  ASSERT_EQ(vector.size(), 4u);
  EXPECT_TRUE(std::isnan(vector[0].value));
  EXPECT_EQ(vector[1].value, INFINITY);
  EXPECT_EQ(vector[2].value, -INFINITY);
  EXPECT_EQ(vector[3].value, 1e6);
}

TEST(ParseInstantQueryBodyTest, Scalar) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"scalar","result":[1795340373.003,"2"]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Scalar& scalar = std::get<Scalar>(result->value);
  EXPECT_EQ(scalar.value, 2.0);
  EXPECT_EQ(scalar.timestamp, AtMillisParsed(1795340373003));
}

TEST(ParseInstantQueryBodyTest, ScalarNegativeInfinity) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"scalar","result":[1795340373.148,"-Inf"]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(std::get<Scalar>(result->value).value, -INFINITY);
}

TEST(ParseInstantQueryBodyTest, String) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"string","result":[1795340373.017,"hello"]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const StringValue& string = std::get<StringValue>(result->value);
  EXPECT_EQ(string.value, "hello");
  EXPECT_EQ(string.timestamp, AtMillisParsed(1795340373017));
}

TEST(ParseInstantQueryBodyTest, MatrixFromARangeSelector) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19391","job":"self"},"values":[[1795340368.516,"0"],[1795340369.516,"1"]]}]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Matrix& matrix = std::get<Matrix>(result->value);
  ASSERT_EQ(matrix.size(), 1u);
  EXPECT_EQ(matrix[0].labels.at("job"), "self");
  ASSERT_EQ(matrix[0].points.size(), 2u);
  EXPECT_EQ(matrix[0].points[1].timestamp, AtMillisParsed(1795340369516));
  EXPECT_EQ(matrix[0].points[1].value, 1.0);
}

TEST(ParseInstantQueryBodyTest, WarningsAreKept) {
  auto result = ParseInstantQueryBody(
      R"({"status":"success","data":{"resultType":"vector","result":[]},"warnings":["remote read: connection refused","partial data"]})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_THAT(result->warnings, ElementsAre("remote read: connection refused", "partial data"));
}

TEST(ParseInstantQueryBodyTest, MalformedBodiesAreInternal) {
  for (
      const char* body : {
          "<html>bad gateway</html>",
          R"({"status":"error","errorType":"bad_data","error":"x"})",
          R"({"status":"success","data":{"resultType":"vector","result":{}}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1x"]}]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
          R"({"status":"success","data":{"resultType":"scalar","result":["1","1"]}})",
          R"({"status":"success","data":{"resultType":"histogram","result":[]}})",
      }) {
    auto result = ParseInstantQueryBody(body);
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.status().code(), common::StatusCode::kInternal) << body;
    EXPECT_THAT(result.status().message(), HasSubstr("unreadable Prometheus answer")) << body;
  }
}

TEST(ParseRangeQueryBodyTest, Matrix) {
  auto result = ParseRangeQueryBody(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795340375,"2"],[1795340375.500,"2"],[1795340376,"NaN"]]}]}})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->matrix.size(), 1u);
  const Series& series = result->matrix[0];
  EXPECT_TRUE(series.labels.empty());
  ASSERT_EQ(series.points.size(), 3u);
  EXPECT_EQ(series.points[0].timestamp, AtMillisParsed(1795340375000));
  EXPECT_EQ(series.points[1].timestamp, AtMillisParsed(1795340375500));
  EXPECT_EQ(series.points[1].value, 2.0);
  EXPECT_TRUE(std::isnan(series.points[2].value));
}

TEST(ParseRangeQueryBodyTest, OtherResultTypesAreInternal) {
  auto result =
      ParseRangeQueryBody(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), common::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(), HasSubstr("resultType \"vector\""));
}

TEST(ParseErrorBodyTest, ReadsTypeAndText) {
  auto error = ParseErrorBody(
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "bad_data");
  EXPECT_EQ(error->message,
            "invalid parameter \"query\": 1:5: parse error: unexpected end of input");
}

TEST(ParseErrorBodyTest, NotAnErrorBody) {
  EXPECT_FALSE(ParseErrorBody("Service Unavailable").has_value());
  EXPECT_FALSE(ParseErrorBody(R"({"status":"success","data":{}})").has_value());
  EXPECT_FALSE(ParseErrorBody(R"({"status":"error","errorType":1,"error":"x"})").has_value());
  EXPECT_FALSE(ParseErrorBody("[]").has_value());
}

}  // namespace
}  // namespace rebound::controller::promql
