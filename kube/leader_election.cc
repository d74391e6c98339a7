#include "kube/leader_election.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rebound::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

common::Timestamp WallNow(const common::Clock& clock) {
  return common::Timestamp::FromTimePoint(clock.Now());
}

}  // namespace

common::Result<std::unique_ptr<LeaderElector>> LeaderElector::Create(KubeClient& client,
                                                                     const common::Clock& clock,
                                                                     LeaderElectionConfig config,
                                                                     LeaderCallbacks callbacks) {
  if (config.identity.empty() || config.lease_name.empty() || config.lease_namespace.empty()) {
    return common::InvalidArgument(
        "leader election needs an identity, a lease name and a lease namespace");
  }
  // client-go's JitterFactor is 1.2: a renewal must fit in the deadline even when jittered.
  if (config.retry_period <= milliseconds(0) ||
      config.renew_deadline * 5 <= config.retry_period * 6 ||
      config.lease_duration <= config.renew_deadline) {
    return common::InvalidArgument(fmt::format(
        "leader election needs lease duration > renew deadline > 1.2 x retry period > 0 "
        "(got {}ms, {}ms, {}ms)",
        config.lease_duration.count(), config.renew_deadline.count(), config.retry_period.count()));
  }
  if (config.lease_duration < seconds(1)) {
    return common::InvalidArgument("leader election lease duration must be at least 1s");
  }
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(client, clock, std::move(config), std::move(callbacks)));
}

LeaderElector::LeaderElector(KubeClient& client, const common::Clock& clock,
                             LeaderElectionConfig config, LeaderCallbacks callbacks)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)) {}

void LeaderElector::Observe(const Lease& lease, std::chrono::steady_clock::time_point now) {
  std::string new_leader;
  {
    std::lock_guard lock(mu_);
    if (observed_ && observed_->resource_version == lease.resource_version) return;
    if (!observed_ || observed_->holder_identity != lease.holder_identity) {
      new_leader = lease.holder_identity;
    }
    observed_ = lease;
    observed_at_ = now;
  }
  if (!new_leader.empty() && callbacks_.on_new_leader) callbacks_.on_new_leader(new_leader);
}

common::Status LeaderElector::TryAcquireOrRenew(std::chrono::steady_clock::time_point now) {
  const int32_t duration_seconds =
      static_cast<int32_t>(std::chrono::duration_cast<seconds>(config_.lease_duration).count());
  common::Result<Lease> current = client_.GetLease(config_.lease_namespace, config_.lease_name);
  if (!current.ok() && current.status().code() == common::StatusCode::kNotFound) {
    Lease lease;
    lease.name = config_.lease_name;
    lease.ns = config_.lease_namespace;
    lease.holder_identity = config_.identity;
    lease.lease_duration_seconds = duration_seconds;
    lease.acquire_time = lease.renew_time = WallNow(clock_);
    common::Result<Lease> created = client_.CreateLease(lease);
    if (!created.ok()) return created.status();
    Observe(*created, now);
    return common::Status::Ok();
  }
  if (!current.ok()) return current.status();
  Observe(*current, now);

  Lease lease = std::move(current).value();
  if (!lease.holder_identity.empty() && lease.holder_identity != config_.identity) {
    std::lock_guard lock(mu_);
    seconds valid_for(lease.lease_duration_seconds > 0 ? lease.lease_duration_seconds
                                                       : duration_seconds);
    if (observed_at_ + valid_for > now) {
      return common::FailedPrecondition("lease " + config_.lease_namespace + "/" +
                                        config_.lease_name + " is held by " +
                                        lease.holder_identity);
    }
  }
  common::Timestamp wall = WallNow(clock_);
  if (lease.holder_identity != config_.identity) {
    lease.acquire_time = wall;
    lease.lease_transitions += 1;
  }
  lease.holder_identity = config_.identity;
  lease.lease_duration_seconds = duration_seconds;
  lease.renew_time = wall;
  common::Result<Lease> updated = client_.UpdateLease(lease);
  if (!updated.ok()) return updated.status();
  Observe(*updated, now);
  return common::Status::Ok();
}

void LeaderElector::Step() {
  const auto start = clock_.MonotonicNow();
  common::Status status = TryAcquireOrRenew(start);
  const auto end = clock_.MonotonicNow();
  bool started = false;
  bool stopped = false;
  {
    std::lock_guard lock(mu_);
    if (status.ok()) {
      renewed_ = start;
      started = !leading_;
      leading_ = true;
    } else if (leading_ && end - renewed_ >= config_.renew_deadline) {
      leading_ = false;
      stopped = true;
    }
  }
  if (started) {
    spdlog::info("leader election: {} now leads (lease {}/{})", config_.identity,
                 config_.lease_namespace, config_.lease_name);
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  }
  if (stopped) {
    spdlog::warn("leader election: {} stops leading, no renewal within {}ms: {}", config_.identity,
                 config_.renew_deadline.count(), status.ToString());
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  } else if (!status.ok() && status.code() != common::StatusCode::kFailedPrecondition) {
    spdlog::debug("leader election: {}", status.ToString());
  }
}

void LeaderElector::Release() {
  std::optional<Lease> lease;
  {
    std::lock_guard lock(mu_);
    lease = observed_;
  }
  if (!lease || lease->holder_identity != config_.identity) return;
  common::Timestamp wall = WallNow(clock_);
  lease->holder_identity.clear();
  lease->lease_duration_seconds = 1;
  lease->acquire_time = lease->renew_time = wall;
  common::Result<Lease> released = client_.UpdateLease(*lease);
  if (!released.ok()) {
    spdlog::warn("leader election: could not release lease {}/{}: {}", config_.lease_namespace,
                 config_.lease_name, released.status().ToString());
  }
}

void LeaderElector::Run(common::Sleeper& sleeper, std::stop_token stop) {
  while (!stop.stop_requested()) {
    Step();
    sleeper.SleepFor(config_.retry_period, stop);
  }
  Resign();
}

void LeaderElector::Resign() {
  bool was_leading = false;
  {
    std::lock_guard lock(mu_);
    was_leading = leading_;
    leading_ = false;
  }
  if (!was_leading) return;
  if (config_.release_on_stop) Release();
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

bool LeaderElector::IsLeader() const {
  std::lock_guard lock(mu_);
  return leading_ && clock_.MonotonicNow() - renewed_ < config_.renew_deadline;
}

std::string LeaderElector::LeaderIdentity() const {
  std::lock_guard lock(mu_);
  return observed_ ? observed_->holder_identity : "";
}

}  // namespace rebound::kube
