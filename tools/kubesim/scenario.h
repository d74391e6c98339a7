// The scenario file: the cluster kubesim starts with (nodes, namespaces, workloads with their
// rollout history and application behaviour, disruption budgets, API faults), read strictly
// with every problem reported as file:line:col.
//
//   namespaces: [shop]                  # also created: every namespace a workload names
//   nodes:                              # default: one Ready node, "node-1"
//     - name: node-1
//       ready: true                     # default true
//       unschedulable: false            # default false (true = cordoned)
//       labels: {topology.kubernetes.io/zone: a}
//       cpu: "4"                        # capacity, default 4
//       memory: 16Gi                    # capacity, default 16Gi
//   deployments:                        # statefulsets: the same keys, plus serviceName and
//     - name: checkout                  #   podManagementPolicy (OrderedReady | Parallel)
//       namespace: shop                 # default "default"
//       replicas: 2                     # default 1
//       labels: {app: checkout, rebound.io/chaos: enabled}
//                                       # labels of the workload and its pods; the selector is
//                                       # app=<labels.app>, default app=<name>
//       container: checkout             # container name, default <name>
//       image: shop/checkout:1.4.2      # default registry.local/<name>:1.0.0
//       memoryLimit: 256Mi              # the container's memory limit (OOMKilled at it)
//       behaviour: {type: memory-leak, leakPerSecond: 1Mi}   # see behaviour.h; default healthy
//       revisions:                      # instead of image + behaviour: the rollout history,
//         - image: shop/checkout:1.4.2  # oldest first, each with its own behaviour; the last
//           behaviour: {type: healthy}  # is current and earlier ones exist as old ReplicaSets
//         - image: shop/checkout:1.5.0  # (so `kubectl rollout undo` returns to them)
//           behaviour: {type: crash-loop}
//   services:                           # v1 Services (each gets a ClusterIP, type ClusterIP)
//     - name: cart
//       namespace: shop                 # default "default"
//       selector: {app: cart}           # default {app: <name>}
//       ports: [{name: http, port: 80}] # default [{name: http, port: 80}]; a name is
//                                       #   required when there are several ports
//   podDisruptionBudgets:
//     - {name: checkout, namespace: shop, minAvailable: 1, selector: {app: checkout}}
//                                       # or maxUnavailable; either may be a percentage
//   faults: [{verb: patch, resource: deployments, type: conflict, count: 2}]  # see faults.h
//   timeline:                           # changes applied `after` kubesim starts (timeline.h),
//     - after: 60s                      #   in order of `after`
//       rollout: {namespace: shop, deployment: payments, image: shop/payments:4.3.0,
//                 behaviour: {type: crash-loop}}   # `kubectl set image` of the first
//                                       #   container; the new version gets the behaviour
//                                       #   (default healthy). statefulset: instead of
//                                       #   deployment: for a StatefulSet.
//     - after: 30s                      # the current version's behaviour, as the
//       behaviour: {namespace: shop, deployment: search,   # /kubesim/v1 POST sets it
//                   behaviour: {type: overload, capacityPerReplica: 100}}
//   The workloads a timeline names must be declared in the scenario.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/yaml_util.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/faults.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

struct NodeSpec {
  std::string name;
  bool ready = true;
  bool unschedulable = false;
  std::map<std::string, std::string> labels;
  std::string cpu = "4";
  std::string memory = "16Gi";
};

struct RevisionSpec {
  std::string image;
  Behaviour behaviour;
};

struct WorkloadSpec {
  Kind kind = Kind::kDeployment;
  std::string name;
  std::string ns = "default";
  int64_t replicas = 1;
  std::map<std::string, std::string> labels;  // "app" always present
  std::string container;
  std::string memory_limit;             // "" for none
  std::string service_name;             // StatefulSets
  std::string pod_management_policy;    // StatefulSets; "" for the default
  std::vector<RevisionSpec> revisions;  // at least one; the last is current
};

struct PdbSpec {
  std::string name;
  std::string ns = "default";
  nlohmann::json min_available;    // null when unset
  nlohmann::json max_unavailable;  // null when unset
  std::map<std::string, std::string> selector;
};

struct ServicePortSpec {
  std::string name;  // "" only for a single port
  int64_t port = 80;
};

struct ServiceSpec {
  std::string name;
  std::string ns = "default";
  std::map<std::string, std::string> selector;  // default {app: <name>}
  std::vector<ServicePortSpec> ports;           // default [{http, 80}]
};

struct TimelineEntry {
  enum class Action { kRollout, kBehaviour };
  std::chrono::milliseconds after{0};
  Action action = Action::kBehaviour;
  WorkloadRef workload;
  std::string image;  // kRollout: the first container's new image
  Behaviour behaviour;
};

struct Scenario {
  std::vector<std::string> namespaces;
  std::vector<NodeSpec> nodes;
  std::vector<WorkloadSpec> workloads;
  std::vector<PdbSpec> pdbs;
  std::vector<FaultSpec> faults;
  std::vector<ServiceSpec> services;
  std::vector<TimelineEntry> timeline;  // in file order
};

struct ScenarioResult {
  std::optional<Scenario> scenario;  // set when there are no errors
  std::vector<common::YamlError> errors;
};

// Reads the scenario file at `path`.
ScenarioResult LoadScenario(const std::string& path);
// Reads scenario text; errors name `file`.
ScenarioResult ParseScenario(const std::string& text, const std::string& file);

}  // namespace rebound::kubesim
