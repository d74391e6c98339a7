// EventRecorder: the core/v1 Events the simulated controllers emit (ScalingReplicaSet,
// SuccessfulCreate, Scheduled, BackOff, ...). A repeat of the same reason and message for the
// same object raises the existing Event's count, as the real event recorder's aggregation
// does, and Events older than an hour are removed (the API server's event TTL).
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class EventRecorder {
 public:
  EventRecorder(ObjectStore& store, const common::Clock& clock) : store_(store), clock_(clock) {}

  // Records an Event about `involved` (a stored object of `type`); `kind` is "Normal" or
  // "Warning". Events about cluster-scoped objects go to the "default" namespace.
  void Record(const ResourceType& type, const nlohmann::json& involved, std::string_view kind,
              std::string_view reason, std::string_view message, std::string_view component);

  // Deletes Events whose last occurrence is more than `ttl` old; does nothing when the last
  // sweep was less than a minute ago (on the clock).
  void Expire(std::chrono::seconds ttl = std::chrono::hours(1));

 private:
  ObjectStore& store_;
  const common::Clock& clock_;
  std::mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> last_sweep_;
  // (involved uid, reason, message) -> "namespace/name" of the Event that counts them.
  std::map<std::string, std::pair<std::string, std::string>> recent_;
};

}  // namespace rebound::kubesim
