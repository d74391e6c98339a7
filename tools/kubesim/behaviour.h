// Simulated application behaviour of a workload's code, and the book that records which
// behaviour each version of each workload has.
//
// A behaviour belongs to a "code version": the hash of the pod template's containers (name,
// image, command, args, env). Setting a behaviour applies to the version current at the time,
// so a rollout restart (which changes only an annotation) keeps it, a rollback to the previous
// containers brings back the previous version's behaviour, and a version never given one is
// healthy.
//
// Behaviour format (YAML in a scenario; the same keys as JSON on /kubesim/v1):
//   type: healthy | memory-leak | crash-loop | overload
//   baseMemory: 64Mi           # working set of a freshly started container (default 64Mi)
//   leakPerSecond: 1Mi         # memory-leak (required): growth per second of container uptime;
//                              # at the container's memory limit it is OOMKilled and restarts
//   restartInterval: 10s       # crash-loop: time between crashes (default 10s)
//   requestsPerSecond: 10      # traffic offered to the workload (default 10)
//   capacityPerReplica: 100    # overload (required): requests/s one ready replica serves
//   latency: 50ms              # request latency when not overloaded (default 50ms)
//
// Thread-safety: Behaviour is a value; BehaviourBook is thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "common/yaml_util.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

struct Behaviour {
  enum class Type { kHealthy, kMemoryLeak, kCrashLoop, kOverload };
  Type type = Type::kHealthy;
  double base_memory_bytes = 64.0 * 1024 * 1024;
  double leak_bytes_per_second = 0;
  std::chrono::milliseconds restart_interval{10000};
  double requests_per_second = 10;
  double capacity_per_replica = 0;
  std::chrono::milliseconds latency{50};

  nlohmann::json ToJson() const;
};

std::string_view BehaviourTypeName(Behaviour::Type type);

// Reads a behaviour from `node` (named `name` in messages); nullopt after adding errors.
std::optional<Behaviour> ParseBehaviour(const YAML::Node& node, std::string_view name,
                                        common::YamlErrors& errors);

// The code version of a pod spec (a pod's, or a workload's spec.template.spec).
std::string CodeVersion(const nlohmann::json& pod_spec);

// A Deployment or StatefulSet, named.
struct WorkloadRef {
  Kind kind = Kind::kDeployment;
  std::string ns;
  std::string name;
  friend auto operator<=>(const WorkloadRef&, const WorkloadRef&) = default;
};

class BehaviourBook {
 public:
  void Set(const WorkloadRef& workload, const std::string& version, Behaviour behaviour);
  // The behaviour of `version` of `workload`; healthy when none was set.
  Behaviour Get(const WorkloadRef& workload, const std::string& version) const;
  // Every version with a behaviour: {version: behaviour JSON}.
  nlohmann::json VersionsJson(const WorkloadRef& workload) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<WorkloadRef, std::string>, Behaviour> behaviours_;
};

}  // namespace rebound::kubesim
