#include "tools/kubesim/faults.h"

#include "common/duration.h"

namespace rebound::kubesim {
namespace {

std::string TypeName(FaultSpec::Type type) {
  switch (type) {
    case FaultSpec::Type::kConflict:
      return "conflict";
    case FaultSpec::Type::kThrottle:
      return "throttle";
    case FaultSpec::Type::kError:
      return "error";
    case FaultSpec::Type::kUnavailable:
      return "unavailable";
    case FaultSpec::Type::kHang:
      return "hang";
  }
  return "";
}

constexpr FaultSpec::Type kAllTypes[] = {FaultSpec::Type::kConflict, FaultSpec::Type::kThrottle,
                                         FaultSpec::Type::kError, FaultSpec::Type::kUnavailable,
                                         FaultSpec::Type::kHang};

}  // namespace

bool FaultSpec::Matches(const ApiRequest& request, std::string_view body) const {
  std::string resource_name = request.type->resource;
  if (!request.subresource.empty()) resource_name += "/" + request.subresource;
  return (verb == "*" || verb == request.verb) && (resource == "*" || resource == resource_name) &&
         (ns.empty() || ns == request.ns) &&
         (body_contains.empty() || body.find(body_contains) != std::string_view::npos);
}

nlohmann::json FaultSpec::ToJson() const {
  nlohmann::json out = {
      {"verb", verb}, {"resource", resource}, {"type", TypeName(type)}, {"count", count}};
  if (!ns.empty()) out["namespace"] = ns;
  if (!body_contains.empty()) out["bodyContains"] = body_contains;
  if (type == Type::kThrottle || type == Type::kUnavailable) {
    out["retryAfterSeconds"] = retry_after_seconds;
  }
  if (type == Type::kHang) out["maxHang"] = common::FormatDuration(max_hang);
  return out;
}

std::optional<FaultSpec> ParseFault(const YAML::Node& node, std::string_view name,
                                    common::YamlErrors& errors) {
  size_t before = errors.size();
  common::StrictMap map(node, name,
                        {"verb", "resource", "namespace", "bodyContains", "type", "count",
                         "retryAfterSeconds", "maxHang"},
                        errors);
  FaultSpec fault;
  map.Require("type");
  if (auto verb = map.Enum("verb", {"get", "list", "watch", "create", "update", "patch", "delete",
                                    "deletecollection", "*"})) {
    fault.verb = *verb;
  }
  if (auto resource = map.String("resource")) fault.resource = *resource;
  if (auto ns = map.String("namespace")) fault.ns = *ns;
  if (auto body = map.String("bodyContains")) fault.body_contains = *body;
  if (auto type = map.Enum("type", {"conflict", "throttle", "error", "unavailable", "hang"})) {
    for (FaultSpec::Type candidate : kAllTypes) {
      if (TypeName(candidate) == *type) fault.type = candidate;
    }
  }
  if (auto count = map.Int("count", 1, 1000000)) fault.count = static_cast<int>(*count);
  if (auto retry = map.Int("retryAfterSeconds", 0, 3600)) {
    fault.retry_after_seconds = static_cast<int>(*retry);
  }
  if (auto hang = map.Duration("maxHang", std::chrono::milliseconds(1))) fault.max_hang = *hang;
  if (errors.size() != before) return std::nullopt;
  return fault;
}

void FaultInjector::Add(FaultSpec fault) {
  std::lock_guard lock(mu_);
  faults_.push_back(std::move(fault));
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

std::vector<FaultSpec> FaultInjector::Pending() const {
  std::lock_guard lock(mu_);
  return faults_;
}

std::map<std::string, uint64_t> FaultInjector::InjectedCounts() const {
  std::lock_guard lock(mu_);
  return injected_;
}

std::optional<FaultSpec> FaultInjector::Take(const ApiRequest& request, std::string_view body) {
  std::lock_guard lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->Matches(request, body)) continue;
    FaultSpec taken = *it;
    if (--it->count <= 0) faults_.erase(it);
    ++injected_[TypeName(taken.type)];
    return taken;
  }
  return std::nullopt;
}

ApiError FaultInjector::Answer(const FaultSpec& fault, const ApiRequest& request) {
  switch (fault.type) {
    case FaultSpec::Type::kConflict:
      return ApiError::Conflict(*request.type, request.name);
    case FaultSpec::Type::kThrottle:
      return ApiError::TooManyRequests(fault.retry_after_seconds);
    case FaultSpec::Type::kUnavailable:
      return ApiError::ServiceUnavailable(fault.retry_after_seconds);
    case FaultSpec::Type::kError:
      return ApiError::Internal("injected fault");
    case FaultSpec::Type::kHang:
      break;
  }
  auto deadline = clock_.MonotonicNow() + fault.max_hang;
  std::unique_lock lock(mu_);
  ++hanging_;
  hanging_cv_.notify_all();
  while (!shutdown_ && clock_.MonotonicNow() < deadline) {
    // The clock may be a fake one, so wait in short real-time steps and re-read it.
    shutdown_cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  --hanging_;
  return ApiError::Timeout();
}

bool FaultInjector::WaitForHanging(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return hanging_cv_.wait_for(lock, timeout, [&] { return hanging_ >= count; });
}

void FaultInjector::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  shutdown_cv_.notify_all();
}

}  // namespace rebound::kubesim
