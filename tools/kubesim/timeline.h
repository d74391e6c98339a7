// Timeline: the scenario's `timeline` (scenario.h), changes applied at a time after kubesim
// starts: each entry once the simulated clock is `after` past Start(), in order of `after`
// (file order among equal times), on the Cluster's Tick(). A rollout changes the first
// container's image as `kubectl set image` does (Cluster::RollOut) and gives the new version
// its behaviour; a behaviour entry sets the current version's (Cluster::SetBehaviour). Each
// applied entry is logged and shown with its time in ToJson() (GET /kubesim/v1/state).
//
// Thread-safety: thread-safe; Advance() runs on the ticking thread.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tools/kubesim/scenario.h"

namespace rebound::kubesim {

class Cluster;

class Timeline {
 public:
  // Replaces the entries; their `after` counts from `start`.
  void Start(std::vector<TimelineEntry> entries, std::chrono::steady_clock::time_point start);
  // Applies the entries that are due at the cluster clock's now.
  void Advance(Cluster& cluster);
  // [{after, action, kind, namespace, name, image?, behaviour, applied, at?, error?}], in the
  // order they apply.
  nlohmann::json ToJson() const;

 private:
  struct Item {
    TimelineEntry entry;
    bool applied = false;
    std::string at = {};     // when it was applied (Kubernetes time)
    std::string error = {};  // why applying it failed ("" when it did not)
  };
  mutable std::mutex mu_;
  std::vector<Item> items_;                        // guarded by mu_; sorted by after
  std::chrono::steady_clock::time_point start_{};  // guarded by mu_
};

}  // namespace rebound::kubesim
