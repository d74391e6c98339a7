// The typed results of Prometheus HTTP API queries (/api/v1/query and /api/v1/query_range).
//
// Values keep Prometheus' special floats: "NaN", "+Inf" and "-Inf" become a quiet NaN and
// ±infinity. Timestamps are the API's float seconds rounded to milliseconds, Prometheus'
// own resolution. Plain values: copyable, and safe to share between threads once built.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace rebound::controller::promql {

using TimePoint = std::chrono::system_clock::time_point;
// A series' label set, __name__ included when the expression keeps it.
using Labels = std::map<std::string, std::string>;

// One element of an instant vector.
struct Sample {
  Labels labels;
  double value = 0;
  TimePoint timestamp;
};

struct Point {
  TimePoint timestamp;
  double value = 0;
};

// One element of a range vector: a series and its points, oldest first.
struct Series {
  Labels labels;
  std::vector<Point> points;
};

using Vector = std::vector<Sample>;
using Matrix = std::vector<Series>;

struct Scalar {
  TimePoint timestamp;
  double value = 0;
};

// A string literal expression ("hello"): rare, but valid PromQL.
struct StringValue {
  TimePoint timestamp;
  std::string value;
};

// What an instant query evaluated to; `warnings` are Prometheus' own (e.g. a remote-read
// source that failed), kept because they mean the data may be partial.
struct QueryResult {
  std::variant<Vector, Scalar, Matrix, StringValue> value;
  std::vector<std::string> warnings;
};

// A range query always evaluates to a matrix.
struct RangeQueryResult {
  Matrix matrix;
  std::vector<std::string> warnings;
};

}  // namespace rebound::controller::promql
