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
//   type: healthy | memory-leak | crash-loop | overload | dependency-errors |
//         connection-pool-exhausted
//   baseMemory: 64Mi           # working set of a freshly started container (default 64Mi)
//   leakPerSecond: 1Mi         # memory-leak (required): growth per second of container uptime;
//                              # at the container's memory limit it is OOMKilled and restarts
//   restartInterval: 10s       # crash-loop: time between crashes (default 10s)
//   requestsPerSecond: 10      # traffic offered to the workload (default 10)
//   rampFrom: 50               # a traffic ramp (both keys or neither, any type): the offered
//   rampOver: 2m               # requests/s grows linearly from rampFrom (>= 0) to
//                              # requestsPerSecond over rampOver, starting when the behaviour is
//                              # set (scenario start, a POST to /kubesim/v1, a timeline entry)
//   capacityPerReplica: 100    # overload (required): requests/s one ready replica serves
//   latency: 50ms              # request latency when not overloaded (default 50ms)
//   timeout: 2s                # dependency-errors: how long a failed call takes;
//                              # connection-pool-exhausted: how long a request waits for a
//                              # connection before it gives up (default 2s)
//   # dependency-errors: every request calls `peer` once (http_client_requests_total{peer,
//   # code}); a failed call fails the request (503 after `timeout`). The fault starts
//   # faultAfter after the behaviour is set; pods whose containers were running then hold
//   # stale connections/DNS answers and fail a share of their calls that grows linearly from
//   # 0 to errorRatio over errorGrowth (code "0": no answer). Pods started later are fine, so a
//   # rolling restart clears it. With dependencyDown the dependency is down for everyone: every
//   # pod, new ones too, fails that share (code "503"), so a restart does not help.
//   peer: db                   # the dependency (required)
//   errorRatio: 0.5            # share of failing calls once grown, (0, 1] (default 0.5)
//   errorGrowth: 1m            # from the fault's start to errorRatio (default 1m)
//   faultAfter: 0s             # the fault starts this long after the behaviour is set
//                              # (default 0s; in a scenario give the pods time to start)
//   dependencyDown: false      # the dependency is down for every pod (default false)
//   # connection-pool-exhausted: each pod's database pool (db_client_connections_*) keeps
//   # busyConnections in use for the traffic and leaks connectionLeakPerSecond per second of
//   # container uptime (never returned) up to maxConnections; once leaked + busy exceed the
//   # max, the share of requests that find no connection waits `timeout` and fails (503,
//   # db_client_connections_timeouts_total), all of them once every connection leaked. New
//   # pods (and restarted containers) start with an empty pool.
//   poolName: main             # pool_name label (default main)
//   maxConnections: 10         # pool size (default 10)
//   busyConnections: 2         # connections the traffic keeps in use, (0, max] (default 2)
//   connectionLeakPerSecond: 0.1  # leaked connections per second of uptime (required)
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
  enum class Type {
    kHealthy,
    kMemoryLeak,
    kCrashLoop,
    kOverload,
    kDependencyErrors,
    kConnectionPoolExhausted
  };
  Type type = Type::kHealthy;
  double base_memory_bytes = 64.0 * 1024 * 1024;
  double leak_bytes_per_second = 0;
  std::chrono::milliseconds restart_interval{10000};
  double requests_per_second = 10;
  std::optional<double> ramp_from;  // with ramp_over: a traffic ramp
  std::chrono::milliseconds ramp_over{0};
  double capacity_per_replica = 0;
  std::chrono::milliseconds latency{50};
  std::chrono::milliseconds timeout{2000};
  std::string peer;
  double error_ratio = 0.5;
  std::chrono::milliseconds error_growth{60000};
  std::chrono::milliseconds fault_after{0};
  bool dependency_down = false;
  std::string pool_name = "main";
  double max_connections = 10;
  double busy_connections = 2;
  double connection_leak_per_second = 0;
  // When the behaviour was given to its version (Cluster::SetBehaviour); dependency-errors'
  // fault starts fault_after later.
  std::chrono::steady_clock::time_point set_at{};

  nlohmann::json ToJson() const;
};

std::string_view BehaviourTypeName(Behaviour::Type type);

// The requests/s offered to a workload with `behaviour` at `now`: requestsPerSecond, or on
// the ramp from rampFrom until rampOver after set_at.
double OfferedRequestsPerSecond(const Behaviour& behaviour,
                                std::chrono::steady_clock::time_point now);

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
