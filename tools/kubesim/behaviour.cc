#include "tools/kubesim/behaviour.h"

#include <algorithm>

#include "common/duration.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/quantity.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

constexpr Behaviour::Type kTypes[] = {
    Behaviour::Type::kHealthy,          Behaviour::Type::kMemoryLeak,
    Behaviour::Type::kCrashLoop,        Behaviour::Type::kOverload,
    Behaviour::Type::kDependencyErrors, Behaviour::Type::kConnectionPoolExhausted};

// A quantity given as a YAML number or string ("1Mi", 1048576).
std::optional<double> QuantityOf(const common::StrictMap& map, std::string_view key) {
  std::optional<YAML::Node> node = map.Find(key);
  if (!node) return std::nullopt;
  std::optional<std::string> text = common::YamlString(*node, map.Qualified(key), map.errors());
  if (!text) return std::nullopt;
  auto value = ParseQuantity(*text);
  if (!value.ok()) {
    map.errors().Add(*node, "\"" + map.Qualified(key) + "\": " + value.status().message());
    return std::nullopt;
  }
  return *value;
}

}  // namespace

std::string_view BehaviourTypeName(Behaviour::Type type) {
  switch (type) {
    case Behaviour::Type::kHealthy:
      return "healthy";
    case Behaviour::Type::kMemoryLeak:
      return "memory-leak";
    case Behaviour::Type::kCrashLoop:
      return "crash-loop";
    case Behaviour::Type::kOverload:
      return "overload";
    case Behaviour::Type::kDependencyErrors:
      return "dependency-errors";
    case Behaviour::Type::kConnectionPoolExhausted:
      return "connection-pool-exhausted";
  }
  return "healthy";
}

double OfferedRequestsPerSecond(const Behaviour& behaviour,
                                std::chrono::steady_clock::time_point now) {
  if (!behaviour.ramp_from || behaviour.ramp_over.count() <= 0) {
    return behaviour.requests_per_second;
  }
  double done = std::chrono::duration<double>(now - behaviour.set_at) /
                std::chrono::duration<double>(behaviour.ramp_over);
  done = std::clamp(done, 0.0, 1.0);
  return *behaviour.ramp_from + (behaviour.requests_per_second - *behaviour.ramp_from) * done;
}

nlohmann::json Behaviour::ToJson() const {
  nlohmann::json out = {{"type", BehaviourTypeName(type)},
                        {"baseMemory", base_memory_bytes},
                        {"requestsPerSecond", requests_per_second},
                        {"latency", common::FormatDuration(latency)}};
  if (ramp_from) {
    out["rampFrom"] = *ramp_from;
    out["rampOver"] = common::FormatDuration(ramp_over);
  }
  if (type == Type::kMemoryLeak) out["leakPerSecond"] = leak_bytes_per_second;
  if (type == Type::kCrashLoop) out["restartInterval"] = common::FormatDuration(restart_interval);
  if (type == Type::kOverload) out["capacityPerReplica"] = capacity_per_replica;
  if (type == Type::kDependencyErrors || type == Type::kConnectionPoolExhausted) {
    out["timeout"] = common::FormatDuration(timeout);
  }
  if (type == Type::kDependencyErrors) {
    out["peer"] = peer;
    out["errorRatio"] = error_ratio;
    out["errorGrowth"] = common::FormatDuration(error_growth);
    out["faultAfter"] = common::FormatDuration(fault_after);
    out["dependencyDown"] = dependency_down;
  }
  if (type == Type::kConnectionPoolExhausted) {
    out["poolName"] = pool_name;
    out["maxConnections"] = max_connections;
    out["busyConnections"] = busy_connections;
    out["connectionLeakPerSecond"] = connection_leak_per_second;
  }
  return out;
}

std::optional<Behaviour> ParseBehaviour(const YAML::Node& node, std::string_view name,
                                        common::YamlErrors& errors) {
  size_t before = errors.size();
  common::StrictMap map(
      node, name,
      {"type", "baseMemory", "leakPerSecond", "restartInterval", "requestsPerSecond", "rampFrom",
       "rampOver", "capacityPerReplica", "latency", "timeout", "peer", "errorRatio", "errorGrowth",
       "faultAfter", "dependencyDown", "poolName", "maxConnections", "busyConnections",
       "connectionLeakPerSecond"},
      errors);
  Behaviour behaviour;
  map.Require("type");
  if (auto type = map.Enum("type", {"healthy", "memory-leak", "crash-loop", "overload",
                                    "dependency-errors", "connection-pool-exhausted"})) {
    for (Behaviour::Type candidate : kTypes) {
      if (BehaviourTypeName(candidate) == *type) behaviour.type = candidate;
    }
  }
  if (auto base = QuantityOf(map, "baseMemory")) behaviour.base_memory_bytes = *base;
  if (auto leak = QuantityOf(map, "leakPerSecond")) behaviour.leak_bytes_per_second = *leak;
  if (auto interval = map.Duration("restartInterval", std::chrono::milliseconds(100))) {
    behaviour.restart_interval = *interval;
  }
  if (auto rps = QuantityOf(map, "requestsPerSecond")) behaviour.requests_per_second = *rps;
  behaviour.ramp_from = QuantityOf(map, "rampFrom");
  if (auto over = map.Duration("rampOver", std::chrono::milliseconds(1))) {
    behaviour.ramp_over = *over;
  }
  if (auto capacity = QuantityOf(map, "capacityPerReplica")) {
    behaviour.capacity_per_replica = *capacity;
  }
  if (auto latency = map.Duration("latency", std::chrono::milliseconds(1))) {
    behaviour.latency = *latency;
  }
  if (auto timeout = map.Duration("timeout", std::chrono::milliseconds(1))) {
    behaviour.timeout = *timeout;
  }
  if (auto peer = map.String("peer")) behaviour.peer = *peer;
  if (auto ratio = QuantityOf(map, "errorRatio")) behaviour.error_ratio = *ratio;
  if (auto growth = map.Duration("errorGrowth", std::chrono::milliseconds(0))) {
    behaviour.error_growth = *growth;
  }
  if (auto after = map.Duration("faultAfter", std::chrono::milliseconds(0))) {
    behaviour.fault_after = *after;
  }
  if (auto down = map.Bool("dependencyDown")) behaviour.dependency_down = *down;
  if (auto pool = map.String("poolName")) behaviour.pool_name = *pool;
  if (auto max = map.Int("maxConnections", 1, 1000000)) {
    behaviour.max_connections = static_cast<double>(*max);
  }
  if (auto busy = map.Int("busyConnections", 1, 1000000)) {
    behaviour.busy_connections = static_cast<double>(*busy);
  }
  if (auto leak = QuantityOf(map, "connectionLeakPerSecond")) {
    behaviour.connection_leak_per_second = *leak;
  }
  // An error about `key`, at the key when it is given, else at the mapping.
  auto invalid = [&](std::string_view key, const std::string& message) {
    map.errors().Add(map.Has(key) ? map.KeyMark(key) : map.mark(),
                     "\"" + map.Qualified(key) + "\": " + message);
  };
  const std::string type_name(BehaviourTypeName(behaviour.type));
  auto require_positive = [&](std::string_view key, double value) {
    if (value <= 0) invalid(key, "must be above 0 for type " + type_name);
  };
  if (errors.size() != before) return std::nullopt;
  // rampFrom is a quantity, so never negative.
  if (map.Has("rampFrom") != map.Has("rampOver")) {
    invalid(map.Has("rampFrom") ? "rampOver" : "rampFrom", "rampFrom and rampOver go together");
  }
  switch (behaviour.type) {
    case Behaviour::Type::kMemoryLeak:
      require_positive("leakPerSecond", behaviour.leak_bytes_per_second);
      break;
    case Behaviour::Type::kOverload:
      require_positive("capacityPerReplica", behaviour.capacity_per_replica);
      break;
    case Behaviour::Type::kDependencyErrors:
      if (behaviour.peer.empty()) invalid("peer", "required for type " + type_name);
      if (behaviour.error_ratio <= 0 || behaviour.error_ratio > 1) {
        invalid("errorRatio", "must be above 0 and at most 1");
      }
      break;
    case Behaviour::Type::kConnectionPoolExhausted:
      require_positive("connectionLeakPerSecond", behaviour.connection_leak_per_second);
      if (behaviour.busy_connections > behaviour.max_connections) {
        invalid("busyConnections", "must be at most maxConnections");
      }
      break;
    case Behaviour::Type::kHealthy:
    case Behaviour::Type::kCrashLoop:
      break;
  }
  if (errors.size() != before) return std::nullopt;
  return behaviour;
}

std::string CodeVersion(const nlohmann::json& pod_spec) {
  nlohmann::json code = nlohmann::json::array();
  if (const nlohmann::json* containers = Find(pod_spec, "/containers");
      containers && containers->is_array()) {
    for (const nlohmann::json& c : *containers) {
      nlohmann::json entry = nlohmann::json::object();
      for (const char* key : {"name", "image", "command", "args", "env"}) {
        if (c.is_object() && c.contains(key)) entry[key] = c[key];
      }
      code.push_back(std::move(entry));
    }
  }
  return ShortHash(code);
}

void BehaviourBook::Set(const WorkloadRef& workload, const std::string& version,
                        Behaviour behaviour) {
  std::lock_guard lock(mu_);
  behaviours_[{workload, version}] = behaviour;
}

Behaviour BehaviourBook::Get(const WorkloadRef& workload, const std::string& version) const {
  std::lock_guard lock(mu_);
  auto it = behaviours_.find({workload, version});
  return it == behaviours_.end() ? Behaviour() : it->second;
}

nlohmann::json BehaviourBook::VersionsJson(const WorkloadRef& workload) const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, behaviour] : behaviours_) {
    if (key.first == workload) out[key.second] = behaviour.ToJson();
  }
  return out;
}

}  // namespace rebound::kubesim
