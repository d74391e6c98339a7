#include "tools/kubesim/traffic_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

constexpr double kMaxLatencySeconds = 10;

void Observe(TrafficSimulator::Series& series, double latency, uint64_t count) {
  const std::vector<double>& bounds = TrafficSimulator::BucketBounds();
  auto bucket = std::lower_bound(bounds.begin(), bounds.end(), latency);
  series.buckets[static_cast<size_t>(bucket - bounds.begin())] += count;
  series.sum_seconds += latency * static_cast<double>(count);
}

uint64_t Take(double& carry) {
  double whole = std::floor(carry);
  carry -= whole;
  return static_cast<uint64_t>(whole);
}

}  // namespace

const std::vector<double>& TrafficSimulator::BucketBounds() {
  static const std::vector<double> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,    2.5,   5,    10};
  return kBounds;
}

void TrafficSimulator::Advance() {
  auto now = clock_.MonotonicNow();
  double dt = last_ ? std::chrono::duration<double>(now - *last_).count() : 0;
  last_ = now;
  std::map<WorkloadRef, State> next;
  std::lock_guard lock(mu_);
  for (Kind kind : {Kind::kDeployment, Kind::kStatefulSet}) {
    for (const json& workload : store_.ListObjects(TypeOf(kind)).items) {
      WorkloadRef ref{kind, NamespaceOf(workload), NameOf(workload)};
      const json* spec = Find(workload, "/spec/template/spec");
      Behaviour behaviour = behaviours_.Get(ref, CodeVersion(spec ? *spec : json()));
      double ready = static_cast<double>(IntAt(workload, "/status/readyReplicas", 0));
      double demand = behaviour.requests_per_second;
      double capacity = ready == 0 ? 0
                        : behaviour.type == Behaviour::Type::kOverload
                            ? ready * behaviour.capacity_per_replica
                            : std::numeric_limits<double>::infinity();
      double served = std::min(demand, capacity);
      double latency = std::chrono::duration<double>(behaviour.latency).count();
      if (capacity > 0 && demand > capacity) {
        latency = std::min(kMaxLatencySeconds, latency * demand / capacity);
      }

      auto found = state_.find(ref);
      State state = found == state_.end() ? State() : std::move(found->second);
      Series& series = state.series;
      series.workload = ref;
      series.buckets.resize(BucketBounds().size() + 1);
      series.error_ratio = demand > 0 ? (demand - served) / demand : 0;
      series.latency_seconds = latency;
      state.carry_ok += served * dt;
      state.carry_errors += (demand - served) * dt;
      uint64_t ok = Take(state.carry_ok);
      uint64_t errors = Take(state.carry_errors);
      series.ok += ok;
      series.errors += errors;
      uint64_t n = ok + errors;
      Observe(series, latency / 2, n / 4);
      Observe(series, latency * 2, n / 4);
      Observe(series, latency, n - 2 * (n / 4));
      next.emplace(ref, std::move(state));
    }
  }
  state_ = std::move(next);
}

std::vector<TrafficSimulator::Series> TrafficSimulator::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Series> out;
  for (const auto& [ref, state] : state_) out.push_back(state.series);
  return out;
}

}  // namespace rebound::kubesim
