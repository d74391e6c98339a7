// PodSimulator: the scheduler and kubelets of the simulated cluster, and the application
// behaviour inside the containers.
//
// A pending pod is bound, after the configured start delay, to the Ready, schedulable node
// with the fewest pods (or marked Unschedulable when there is none) and started: Running, a
// pod IP, container statuses. From then on each pass applies the behaviour of the pod's
// workload for the pod's code version (behaviour.h): healthy and overload pods are ready; a
// memory-leak pod's working set grows with container uptime and, at the container's memory
// limit, the container is OOMKilled and restarts; a crash-loop pod is never ready and its
// restart count rises every restartInterval (CrashLoopBackOff, with BackOff events); a pod
// whose behaviour stops crashing restarts its container and becomes ready.
//
// Thread-safety: Reconcile() must not run concurrently with itself; Memory() and Apps() may
// be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/event_recorder.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

// The workload (Deployment through its ReplicaSet, or StatefulSet) that controls `pod`;
// nullopt for a pod no workload controls. `replicasets` lists the stored ReplicaSets.
std::optional<WorkloadRef> WorkloadOf(const nlohmann::json& pod,
                                      const std::vector<nlohmann::json>& replicasets);

class PodSimulator {
 public:
  PodSimulator(ObjectStore& store, EventRecorder& events, const BehaviourBook& behaviours,
               const common::Clock& clock, std::chrono::milliseconds start_delay)
      : store_(store),
        events_(events),
        behaviours_(behaviours),
        clock_(clock),
        start_delay_(start_delay) {}

  void Reconcile();

  struct ContainerMemory {
    std::string ns;
    std::string pod;
    std::string container;
    double bytes = 0;
  };
  // The working set of every running container, as of the last Reconcile().
  std::vector<ContainerMemory> Memory() const;

  // A running pod of a workload, with the behaviour of its own code version.
  struct App {
    std::string ns;
    std::string pod;
    WorkloadRef workload;
    Behaviour behaviour;
    bool ready = false;
    std::chrono::steady_clock::time_point started;  // when its containers last started
  };
  // Every running pod that a workload controls, as of the last Reconcile().
  std::vector<App> Apps() const;

 private:
  struct Runtime {
    std::chrono::steady_clock::time_point seen;     // when a pass first saw the pod
    std::chrono::steady_clock::time_point started;  // when its containers last started
    std::chrono::steady_clock::time_point next_crash;
    bool running = false;
    bool crashing = false;
  };

  // Binds and starts a pending pod; false while it must wait.
  bool Start(nlohmann::json& pod, Runtime& runtime, const std::vector<nlohmann::json>& nodes,
             std::map<std::string, int>& pods_per_node);
  // Applies `behaviour` to a running pod's status: the first container is the application,
  // any others are healthy sidecars. Returns each container's working set.
  std::vector<double> Run(nlohmann::json& pod, Runtime& runtime, const Behaviour& behaviour);

  ObjectStore& store_;
  EventRecorder& events_;
  const BehaviourBook& behaviours_;
  const common::Clock& clock_;
  const std::chrono::milliseconds start_delay_;
  std::map<std::string, Runtime> runtime_;  // by pod uid; only Reconcile() touches it
  uint64_t next_ip_ = 0;
  mutable std::mutex mu_;
  std::vector<ContainerMemory> memory_;  // guarded by mu_
  std::vector<App> apps_;                // guarded by mu_
};

}  // namespace rebound::kubesim
