// ObjectStore: every object kubesim serves, with one global resourceVersion counter and the
// recent history of writes that watch streams replay.
//
// The store knows nothing of kinds beyond their ResourceType: it assigns uid,
// creationTimestamp (from the injected Clock) and resourceVersion, generates names from
// metadata.generateName, keeps uid and creationTimestamp immutable, checks resourceVersion and
// uid preconditions, and skips writes that change nothing (so a no-op keeps its
// resourceVersion). Kind rules (defaults, validation, generation, status) live in
// object_rules.h; controllers and the REST handlers both write through here.
//
// Thread-safety: every method is thread-safe (one mutex). Objects are returned by value.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

// One change, as a watch stream reports it; `object` is the state after the change (for
// DELETED, the last state with the deletion's resourceVersion).
struct WatchEvent {
  std::string type;  // "ADDED", "MODIFIED" or "DELETED"
  const ResourceType* resource = nullptr;
  uint64_t resource_version = 0;
  nlohmann::json object;
  nlohmann::json previous;  // MODIFIED: the state before the change; null otherwise
};

struct Preconditions {
  uint64_t resource_version = 0;  // 0: no check
  std::string uid;                // empty: no check
};

class ObjectStore {
 public:
  // `seed` makes generated names and uids reproducible; `history_limit` bounds the writes kept
  // for watches (older resourceVersions answer 410 Expired).
  ObjectStore(const common::Clock& clock, uint64_t seed, size_t history_limit = 4096);

  // Stores a new object (metadata.namespace must be set for namespaced types and is dropped
  // for cluster-scoped ones; metadata.name, or generateName plus 5 random characters).
  // AlreadyExists when the name is taken; InvalidArgument when there is no name.
  common::Result<nlohmann::json> Create(const ResourceType& type, nlohmann::json object);

  // NotFound when absent.
  common::Result<nlohmann::json> Get(const ResourceType& type, std::string_view ns,
                                     std::string_view name) const;

  struct List {
    std::vector<nlohmann::json> items;  // sorted by namespace, then name
    uint64_t resource_version = 0;      // the store's version when the list was taken
  };
  // Every object of `type` in namespace `ns` ("" for all namespaces or cluster-scoped types).
  List ListObjects(const ResourceType& type, std::string_view ns = "") const;

  // Replaces the stored object named by `object`'s metadata. Conflict when `expected_rv` is
  // non-zero and the stored resourceVersion differs; NotFound when absent. When nothing but
  // resourceVersion would change, nothing is written and the stored object is returned.
  common::Result<nlohmann::json> Replace(const ResourceType& type, nlohmann::json object,
                                         uint64_t expected_rv);

  // Removes an object and returns its last state. NotFound when absent; Conflict when a
  // precondition does not hold.
  common::Result<nlohmann::json> Delete(const ResourceType& type, std::string_view ns,
                                        std::string_view name, const Preconditions& pre = {});

  uint64_t CurrentVersion() const;

  struct Changes {
    std::vector<WatchEvent> events;  // of the type asked for, in resourceVersion order
    uint64_t scanned_to = 0;         // every write up to here has been looked at
    bool expired = false;            // writes after `after` are no longer all retained
    uint64_t oldest = 0;             // with `expired`: the oldest version one can watch from
  };
  // The writes to `type` with a resourceVersion above `after`.
  Changes ChangesSince(const ResourceType& type, uint64_t after) const;

  // Returns when the store's version exceeds `after`, or after `max_wait` of real time (a
  // bounded poll for watch streams, which also check their own deadline and shutdown).
  void WaitForWrite(uint64_t after, std::chrono::milliseconds max_wait) const;

  // A fresh RFC 4122 version-4 uid.
  std::string NewUid();
  // `n` characters from the alphabet Kubernetes uses for generated names.
  std::string RandomSuffix(size_t n);

 private:
  using Bucket = std::map<std::string, nlohmann::json>;  // "namespace/name" -> object

  void RecordLocked(std::string type, const ResourceType& resource, const nlohmann::json& object,
                    nlohmann::json previous = nullptr);
  std::string RandomSuffixLocked(size_t n);

  const common::Clock& clock_;
  const size_t history_limit_;
  mutable std::mutex mu_;
  mutable std::condition_variable written_;
  std::mt19937_64 random_;
  uint64_t version_ = 0;
  std::map<Kind, Bucket> objects_;
  std::deque<WatchEvent> history_;
  uint64_t trimmed_to_ = 0;  // the newest version dropped from history_
};

}  // namespace rebound::kubesim
