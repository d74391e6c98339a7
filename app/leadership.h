// Leadership: which replica of `rebound run` acts (DESIGN.md section 9; README "High
// availability").
//
// With leader election on, replicas compete for a coordination.k8s.io/v1 Lease
// (kube::LeaderElector) on a thread of their own. The one holding it acts: it heals, and it is
// the one that schedules chaos; the others answer the webhook 503 so that Alertmanager retries
// against the leader. On gaining the lease the `lead` hook runs (healing starts and resumes the
// episodes left pending in the journal); on losing it, when a renewal has not succeeded within
// the renew deadline, and so before the lease can expire for another replica, `stand_by` runs
// (running remediations are interrupted; their episodes stay pending until this replica leads
// again). The leader labels its own pod `rebound.io/role: leader`, which the webhook Service
// selects, and takes that label off other pods that still carry it (a killed leader); it removes
// its own label when it steps down. A failed label patch is logged and retried every retry
// period; it does not stop leading. rebound_leader follows, and every transition is logged
// with the holder's identity.
//
// With election off (outside a cluster by default) this process leads for good.
//
// Thread-safety: LeaderState may be read from any thread. Leadership's Start/Stop are called
// from the owning thread; Round/Resign from one thread at a time (the election thread once
// started); the hooks run on that thread.
#pragma once

#include <prometheus/gauge.h>

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "app/clients.h"
#include "app/config.h"
#include "common/clock.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "kube/kube_client.h"
#include "kube/leader_election.h"

namespace rebound::app {

inline constexpr std::string_view kRoleLabel = "rebound.io/role";

// What names this process to the election besides rebound.yaml.
struct PodIdentity {
  std::string pod_name;       // $POD_NAME; "" outside a pod
  std::string pod_namespace;  // $POD_NAMESPACE
  std::string fallback;       // "<host>_<pid>": the identity without a pod name

  static PodIdentity FromEnvironment();
};

// The election settings for `config`; nullopt when election is off (`enabled: false`, or
// unset without POD_NAME). InvalidArgument when it is on without a lease namespace (neither
// `leader_election.namespace` nor POD_NAMESPACE).
common::Result<std::optional<kube::LeaderElectionConfig>> ResolveLeaderElection(
    const Config::LeaderElection& config, const PodIdentity& pod);

// Who leads, as this replica knows it. Chaos and anything else that may act only on the leader
// asks IsLeader() right before acting.
class LeaderState {
 public:
  // True while this replica may act: election off, or leading with a renewal younger than the
  // renew deadline (false at the deadline even before the election thread notices).
  bool IsLeader() const;
  // False until the first election round has ended (election off: always true).
  bool known() const;
  // The holder of the lease as last seen ("" when none).
  std::string holder() const;
  // {"is_leader": ..., "holder": "...", "lease": "ns/name"} (lease "" with election off).
  nlohmann::json ToJson() const;

 private:
  friend class Leadership;

  mutable std::mutex mu_;
  bool alone_ = false;    // election off: leads for good
  bool leading_ = false;  // between on_started_leading and on_stopped_leading
  bool known_ = false;
  std::string holder_;
  std::string lease_;
  const kube::LeaderElector* elector_ = nullptr;  // set before the election thread starts
};

class Leadership {
 public:
  struct Deps {
    std::unique_ptr<kube::KubeClient> kube;  // for the Lease and the pod label
    const common::Clock& clock;
    common::Sleeper& sleeper;
    prometheus::Gauge& gauge;  // rebound_leader
    LeaderState& state;
    std::function<void()> lead;      // leadership gained: start acting
    std::function<void()> stand_by;  // leadership lost or given up: stop acting
  };

  // `pod_name` empty: no pod to label. Failure: InvalidArgument for bad election settings.
  static common::Result<std::unique_ptr<Leadership>> Create(Deps deps,
                                                            kube::LeaderElectionConfig config,
                                                            std::string pod_name,
                                                            std::string pod_namespace);
  // The daemon's leadership for `config`: not started yet, with a Kubernetes client of its own
  // whose requests time out well within the renew deadline (and are not retried: the next
  // round is the retry); or nullptr, with `state` leading for good, when election is off.
  // Failure: InvalidArgument (election on without a namespace) or FailedPrecondition (election
  // on without a usable Kubernetes API).
  static common::Result<std::unique_ptr<Leadership>> ForDaemon(
      const Config& config, const PodIdentity& pod, const ClientDeps& client_deps,
      prometheus::Gauge& gauge, LeaderState& state, std::function<void()> lead,
      std::function<void()> stand_by);
  ~Leadership();  // Stop()

  // Runs Round() every retry period on the election thread until Stop().
  void Start();
  // Ends the election thread, which then Resign()s. Idempotent.
  void Stop();

  // One election round: acquire or renew the lease, then bring the pod label in line.
  void Round();
  // Gives leadership up for good: the lease released, stand_by, the label removed.
  void Resign();

 private:
  Leadership(Deps deps, std::string pod_name, std::string pod_namespace);
  void OnStartedLeading();
  void OnStoppedLeading();
  // Sets or removes this pod's role label to match whether it leads; a new leader also takes
  // the label off every other pod. Failures are logged once and retried at the next round.
  void SyncLabel();
  common::Status PatchRole(const std::string& pod, bool leader);

  Deps deps_;
  const std::string pod_name_;
  const std::string pod_namespace_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::chrono::milliseconds retry_period_{0};
  std::jthread thread_;
  // Election thread only.
  std::optional<bool> labelled_;  // what this pod's label says as last written; nullopt: unknown
  bool label_failing_ = false;
};

}  // namespace rebound::app
