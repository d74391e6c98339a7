// Cluster: the whole simulated cluster behind the API — the object store, the controllers
// (deployments, replica sets, stateful sets, disruption budgets, garbage collection), the pod
// simulator (scheduler, kubelets, application behaviour), the traffic simulator, the
// behaviour book, the API fault injector and the scenario's timeline — advanced one Tick() at
// a time on the injected Clock.
//
// Thread-safety: Tick() and SetBehaviour() are thread-safe (Tick passes are serialised);
// the components handed out are thread-safe as their headers say.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/deployment_controller.h"
#include "tools/kubesim/disruption_controller.h"
#include "tools/kubesim/event_recorder.h"
#include "tools/kubesim/faults.h"
#include "tools/kubesim/object_store.h"
#include "tools/kubesim/pod_simulator.h"
#include "tools/kubesim/replicaset_controller.h"
#include "tools/kubesim/statefulset_controller.h"
#include "tools/kubesim/timeline.h"
#include "tools/kubesim/traffic_simulator.h"

namespace rebound::kubesim {

class Cluster {
 public:
  struct Options {
    std::chrono::milliseconds pod_start_delay{1000};  // from creation to Running
    uint64_t seed = 1;                                // names and uids
  };

  // Starts with the namespaces default, kube-system, kube-public and kube-node-lease.
  Cluster(const common::Clock& clock, Options options);

  // One pass of every controller, in dependency order.
  void Tick();

  // Gives the version of `workload`'s pod template that is current now the behaviour
  // `behaviour`, set at the clock's now (Behaviour::set_at). NotFound when the workload does
  // not exist.
  common::Status SetBehaviour(const WorkloadRef& workload, const Behaviour& behaviour);

  // What `kubectl set image` does to the first container of `workload`'s pod template (a new
  // ReplicaSet or StatefulSet revision, rolled out by the controllers), then gives the new
  // version `behaviour`. NotFound when the workload does not exist.
  common::Status RollOut(const WorkloadRef& workload, const std::string& image,
                         const Behaviour& behaviour);

  ObjectStore& store() { return store_; }
  const ObjectStore& store() const { return store_; }
  BehaviourBook& behaviours() { return behaviours_; }
  const BehaviourBook& behaviours() const { return behaviours_; }
  FaultInjector& faults() { return faults_; }
  Timeline& timeline() { return timeline_; }
  const Timeline& timeline() const { return timeline_; }
  const PodSimulator& pods() const { return pods_; }
  const TrafficSimulator& traffic() const { return traffic_; }
  const common::Clock& clock() const { return clock_; }
  uint64_t seed() const { return seed_; }

 private:
  const common::Clock& clock_;
  const uint64_t seed_;
  ObjectStore store_;
  EventRecorder events_;
  BehaviourBook behaviours_;
  FaultInjector faults_;
  DeploymentController deployments_;
  ReplicaSetController replicasets_;
  StatefulSetController statefulsets_;
  DisruptionController disruptions_;
  PodSimulator pods_;
  TrafficSimulator traffic_;
  Timeline timeline_;
  std::mutex tick_mu_;
};

}  // namespace rebound::kubesim
