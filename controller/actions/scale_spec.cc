#include "controller/actions/scale_spec.h"

#include <charconv>

#include "controller/actions/action_support.h"

namespace rebound::controller::actions {
namespace {

constexpr int kMaxFactorDecimals = 3;
constexpr int64_t kMaxFactor = 100;

std::optional<int64_t> ParseCount(std::string_view digits) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      digits.front() == '-' || digits.front() == '+' || value > ScaleSpec::kMaxReplicas) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

common::Result<ScaleSpec> ScaleSpec::Parse(std::string_view text) {
  const std::string got = ", got \"" + std::string(text) + "\"";
  const common::Status invalid =
      common::InvalidArgument("expected a replica count (5), +N, -N or a factor xF (x1.5)" + got);
  ScaleSpec spec;
  if (text.empty()) return invalid;
  const char first = text.front();
  if (first == '+' || first == '-') {
    std::optional<int64_t> n = ParseCount(text.substr(1));
    if (!n) return invalid;
    if (*n == 0) return common::InvalidArgument("expected a change of at least 1" + got);
    spec.mode_ = first == '+' ? Mode::kAdd : Mode::kSubtract;
    spec.amount_ = *n;
  } else if (first == 'x') {
    std::string_view factor = text.substr(1);
    size_t dot = factor.find('.');
    std::string_view whole = factor.substr(0, dot);
    std::string_view decimals = dot == std::string_view::npos ? "" : factor.substr(dot + 1);
    std::optional<int64_t> w = ParseCount(whole);
    std::optional<int64_t> d = dot == std::string_view::npos ? 0 : ParseCount(decimals);
    if (!w || !d) return invalid;
    if (decimals.size() > kMaxFactorDecimals) {
      return common::InvalidArgument("a factor has at most 3 decimals" + got);
    }
    spec.denominator_ = 1;
    for (size_t i = 0; i < decimals.size(); ++i) spec.denominator_ *= 10;
    spec.amount_ = *w * spec.denominator_ + *d;
    if (spec.amount_ == 0 || spec.amount_ > kMaxFactor * spec.denominator_) {
      return common::InvalidArgument("a factor must be above 0 and at most 100" + got);
    }
    spec.mode_ = Mode::kFactor;
  } else {
    std::optional<int64_t> n = ParseCount(text);
    if (!n) return invalid;
    spec.mode_ = Mode::kAbsolute;
    spec.amount_ = *n;
  }
  spec.text_ = std::string(text);
  return spec;
}

int64_t ScaleSpec::Apply(int64_t current) const {
  switch (mode_) {
    case Mode::kAbsolute:
      return amount_;
    case Mode::kAdd:
      return current + amount_;
    case Mode::kSubtract:
      return current > amount_ ? current - amount_ : 0;
    case Mode::kFactor:
      return (current * amount_ + denominator_ - 1) / denominator_;
  }
  return current;
}

bool ScaleSpec::CanIncrease() const {
  return mode_ == Mode::kAdd || (mode_ == Mode::kFactor && amount_ > denominator_);
}

std::optional<int64_t> ScaleSpec::absolute() const {
  if (mode_ != Mode::kAbsolute) return std::nullopt;
  return amount_;
}

ScaleDecision DecideScale(const ScaleSpec& spec, int64_t current, int64_t floor,
                          std::optional<int64_t> ceiling) {
  ScaleDecision decision;
  const int64_t asked = spec.Apply(current);
  if (asked < current && current < floor) {
    decision.kind = ScaleDecision::Kind::kRefuse;
    decision.reason = "min_replicas";
    decision.replicas = current;
    decision.note = Plural(current, "replica", "replicas") + ", below the minimum of " +
                    std::to_string(floor) + ": not lowering it further";
    return decision;
  }
  if (asked > current && ceiling && current > *ceiling) {
    decision.kind = ScaleDecision::Kind::kRefuse;
    decision.reason = "max_replicas";
    decision.replicas = current;
    decision.note = Plural(current, "replica", "replicas") + ", above max " +
                    std::to_string(*ceiling) + ": not raising it further";
    return decision;
  }
  decision.replicas = asked;
  if (ceiling && decision.replicas > *ceiling) {
    decision.replicas = *ceiling;
    decision.note = "capped at max " + std::to_string(*ceiling) + "; " + spec.text() +
                    " asked for " + std::to_string(asked);
  }
  if (decision.replicas < floor) {
    decision.replicas = floor;
    decision.note = "raised to the minimum of " + std::to_string(floor) + "; " + spec.text() +
                    " asked for " + std::to_string(asked);
  }
  decision.kind =
      decision.replicas == current ? ScaleDecision::Kind::kNoop : ScaleDecision::Kind::kScale;
  return decision;
}

}  // namespace rebound::controller::actions
