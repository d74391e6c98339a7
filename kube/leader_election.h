// LeaderElector: one leader among Rebound's replicas, through a coordination.k8s.io/v1 Lease,
// with the semantics of client-go's leaderelection package:
//   - a replica acquires the lease when it is absent, released (no holder), held by itself, or
//     expired: not renewed for leaseDurationSeconds as measured on this replica's own clock
//     since it last saw the lease change (so clock skew between nodes does not matter);
//   - taking the lease from another holder sets acquireTime and increments leaseTransitions;
//   - the leader renews every retry period; when it has not renewed successfully for the renew
//     deadline it stops leading (OnStoppedLeading) — before the lease can expire for others,
//     because renew_deadline < lease_duration;
//   - every write carries the resourceVersion read, so of two replicas racing, one gets
//     Conflict (or AlreadyExists on create) and stays a follower;
//   - on shutdown the leader releases the lease (holder "", duration 1s) so a follower takes
//     over at its next retry instead of waiting for expiry.
// Time comes from the injected Clock and waits from the Sleeper, so tests drive Step() with a
// FakeClock.
//
// The KubeClient's own retries make one Step() last longer than one request; keep its request
// timeout and retry budget well below the renew deadline. IsLeader() turns false as soon as the
// renew deadline passes, even while a renewal is still in flight.
//
// Thread-safety: Step() and Run() are called from one thread; IsLeader() and LeaderIdentity()
// from any thread. Callbacks run on the thread that calls Step()/Run().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "kube/kube_client.h"
#include "common/sleeper.h"

namespace rebound::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per replica, e.g. the pod name
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  // Optional: called when the observed holder changes (including to this replica).
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  // Failure (InvalidArgument): empty identity, lease name or namespace, or durations that break
  // lease_duration > renew_deadline > 1.2 * retry_period > 0 (client-go's rule).
  static common::Result<std::unique_ptr<LeaderElector>> Create(KubeClient& client,
                                                               const common::Clock& clock,
                                                               LeaderElectionConfig config,
                                                               LeaderCallbacks callbacks);

  // One round: try to acquire (follower) or renew (leader), then fire the callbacks the
  // outcome calls for. Failures are not returned: they keep a follower following and make a
  // leader step down once the renew deadline has passed. Call it every retry_period.
  void Step();

  // Calls Step() every retry period until `stop` is requested, then Resign().
  void Run(common::Sleeper& sleeper, std::stop_token stop);
  // Stops leading for good (shutdown): if leading, releases the lease (when configured) and
  // calls on_stopped_leading. Call it on the thread that steps, after the last Step().
  void Resign();

  // True while leading and the last successful renewal is younger than the renew deadline.
  bool IsLeader() const;
  // The holder of the lease as last observed; empty when none or not yet read.
  std::string LeaderIdentity() const;

 private:
  LeaderElector(KubeClient& client, const common::Clock& clock, LeaderElectionConfig config,
                LeaderCallbacks callbacks);

  // One acquire-or-renew attempt; OK when this replica holds the lease afterwards.
  common::Status TryAcquireOrRenew(std::chrono::steady_clock::time_point now);
  // Records `lease` as observed; a changed resourceVersion restarts the expiry clock.
  void Observe(const Lease& lease, std::chrono::steady_clock::time_point now);
  void Release();

  KubeClient& client_;
  const common::Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;

  mutable std::mutex mu_;
  bool leading_ = false;                               // guarded by mu_
  std::chrono::steady_clock::time_point renewed_;      // guarded by mu_: last successful renewal
  std::optional<Lease> observed_;                      // guarded by mu_
  std::chrono::steady_clock::time_point observed_at_;  // guarded by mu_
};

}  // namespace rebound::kube
