// The `replicas` value of a scale step and the decision it leads to, kept apart from the API
// calls so the arithmetic and the bounds can be tested as tables.
//
// Forms: "5" (absolute), "+2" / "-1" (relative), "x1.5" (factor of the current count, rounded
// up; at most three decimals, computed exactly, so x1.1 of 10 is 11, never 12).
//
// Pure values and functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::actions {

class ScaleSpec {
 public:
  // Parses `text`; InvalidArgument naming the accepted forms otherwise. Counts are limited to
  // kMaxReplicas, factors to (0, 100].
  static common::Result<ScaleSpec> Parse(std::string_view text);

  // The replica count this spec asks for when the workload has `current` (never negative).
  int64_t Apply(int64_t current) const;
  // Whether the spec can ask for more replicas than there are (+N, xF with F > 1), in which
  // case the step must bound it with `max`.
  bool CanIncrease() const;
  // The absolute count, when the spec is one.
  std::optional<int64_t> absolute() const;
  // As written, normalised: "5", "+1", "-2", "x1.5".
  const std::string& text() const { return text_; }

  static constexpr int64_t kMaxReplicas = 100000;

 private:
  enum class Mode { kAbsolute, kAdd, kSubtract, kFactor };
  Mode mode_ = Mode::kAbsolute;
  int64_t amount_ = 0;       // the count, N, or the factor's numerator
  int64_t denominator_ = 1;  // the factor's denominator (a power of ten)
  std::string text_;
};

// What a scale step does to a workload that has `current` replicas.
struct ScaleDecision {
  enum class Kind { kScale, kNoop, kRefuse };
  Kind kind = Kind::kNoop;
  int64_t replicas = 0;  // the count to set (kScale) or that stays (kNoop)
  // Why the count differs from what the spec asked ("capped at max 10; +3 asked for 12"), or
  // for kRefuse why it stays ("1 replica, below the minimum of 2: not lowering it further").
  std::string note;
  std::string reason;  // kRefuse: "min_replicas" | "max_replicas"
};

// Applies `spec` to `current` within [floor, ceiling]: a result outside is clamped (and the
// note says so), except that the action never pushes further out a count that is already
// outside — lowering when below `floor` is refused ("min_replicas"), raising when above
// `ceiling` too ("max_replicas"). `floor` wins over `ceiling` when they cross.
ScaleDecision DecideScale(const ScaleSpec& spec, int64_t current, int64_t floor,
                          std::optional<int64_t> ceiling);

}  // namespace rebound::controller::actions
