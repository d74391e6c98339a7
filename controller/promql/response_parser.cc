#include "controller/promql/response_parser.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace rebound::controller::promql {
namespace {

using nlohmann::json;

constexpr size_t kMaxBodyExcerpt = 200;

// Thrown only inside this file, turned into a Status at the public functions.
struct MalformedBody : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double ParseValue(const json& text) {
  const std::string& s = text.get_ref<const std::string&>();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw MalformedBody(fmt::format("sample value \"{}\" is not a number", s));
  }
  return value;
}

TimePoint ParseTimestamp(const json& seconds) {
  // Prometheus stores milliseconds: rounding removes the float's representation error.
  auto millis = std::chrono::milliseconds(std::llround(seconds.get<double>() * 1000));
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(millis));
}

// [<unix seconds>, "<value>"]
Point ParsePoint(const json& pair) {
  if (!pair.is_array() || pair.size() != 2)
    throw MalformedBody("a value is not a [time, value] pair");
  Point point;
  point.timestamp = ParseTimestamp(pair[0]);
  point.value = ParseValue(pair[1]);
  return point;
}

Labels ParseLabels(const json& metric) { return metric.get<Labels>(); }

const json& ArrayOf(const json& value, std::string_view what) {
  if (!value.is_array()) throw MalformedBody(fmt::format("{} is not an array", what));
  return value;
}

Vector ParseVector(const json& result) {
  Vector vector;
  for (const json& element : ArrayOf(result, "a vector")) {
    Point point = ParsePoint(element.at("value"));
    Sample sample;
    sample.labels = ParseLabels(element.at("metric"));
    sample.value = point.value;
    sample.timestamp = point.timestamp;
    vector.push_back(std::move(sample));
  }
  return vector;
}

Matrix ParseMatrix(const json& result) {
  Matrix matrix;
  for (const json& element : ArrayOf(result, "a matrix")) {
    Series series;
    series.labels = ParseLabels(element.at("metric"));
    for (const json& pair : ArrayOf(element.at("values"), "a series' values")) {
      series.points.push_back(ParsePoint(pair));
    }
    matrix.push_back(std::move(series));
  }
  return matrix;
}

struct SuccessBody {
  std::string result_type;
  json result;
  std::vector<std::string> warnings;
};

SuccessBody ParseSuccess(std::string_view body) {
  json parsed = json::parse(body);
  if (parsed.at("status") != "success") throw MalformedBody("status is not \"success\"");
  SuccessBody success;
  const json& data = parsed.at("data");
  success.result_type = data.at("resultType").get<std::string>();
  success.result = data.at("result");
  if (parsed.contains("warnings")) {
    success.warnings = parsed["warnings"].get<std::vector<std::string>>();
  }
  return success;
}

common::Status Unreadable(std::string_view body, std::string_view why) {
  return common::Internal(
      fmt::format("unreadable Prometheus answer ({}): {}", why, body.substr(0, kMaxBodyExcerpt)));
}

// Runs `parse` and turns the exceptions of malformed input into an Internal status.
template <typename T, typename Parse>
common::Result<T> Guarded(std::string_view body, Parse parse) {
  try {
    return parse();
  } catch (const json::exception& e) {
    return Unreadable(body, e.what());
  } catch (const MalformedBody& e) {
    return Unreadable(body, e.what());
  }
}

}  // namespace

common::Result<QueryResult> ParseInstantQueryBody(std::string_view body) {
  return Guarded<QueryResult>(body, [&] {
    SuccessBody success = ParseSuccess(body);
    QueryResult result;
    result.warnings = std::move(success.warnings);
    if (success.result_type == "vector") {
      result.value = ParseVector(success.result);
    } else if (success.result_type == "matrix") {
      result.value = ParseMatrix(success.result);
    } else if (success.result_type == "scalar") {
      Point point = ParsePoint(success.result);
      result.value = Scalar{point.timestamp, point.value};
    } else if (success.result_type == "string") {
      const json& pair = success.result;
      if (!pair.is_array() || pair.size() != 2)
        throw MalformedBody("a string result is not a pair");
      result.value = StringValue{ParseTimestamp(pair[0]), pair[1].get<std::string>()};
    } else {
      throw MalformedBody(fmt::format("unknown resultType \"{}\"", success.result_type));
    }
    return result;
  });
}

common::Result<RangeQueryResult> ParseRangeQueryBody(std::string_view body) {
  return Guarded<RangeQueryResult>(body, [&] {
    SuccessBody success = ParseSuccess(body);
    if (success.result_type != "matrix") {
      throw MalformedBody(
          fmt::format("a range query answered resultType \"{}\"", success.result_type));
    }
    RangeQueryResult result;
    result.matrix = ParseMatrix(success.result);
    result.warnings = std::move(success.warnings);
    return result;
  });
}

std::optional<ApiError> ParseErrorBody(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = parsed.find(key);
    if (it == parsed.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  std::optional<std::string> type = text("errorType");
  std::optional<std::string> message = text("error");
  if (text("status") != "error" || !type || !message) return std::nullopt;
  return ApiError{*type, *message};
}

}  // namespace rebound::controller::promql
