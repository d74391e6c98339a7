// CommittedCache: the alert status the journal holds for recently seen episodes.
//
// Most notifications Rebound receives are repeats (Alertmanager retries identical bodies, an HA
// pair delivers everything twice, repeat_interval re-sends firing alerts). The journal answers
// those from this cache instead of queueing them for the writer thread, which saves a thread
// hand-off and a transaction per request. Only committed facts are put in, and a status only
// moves firing → resolved, so a hit can only ever classify a repeat as the writer would.
// Bounded: the oldest entries are evicted first.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "controller/intake/payload.h"

namespace rebound::controller::intake {

class CommittedCache {
 public:
  explicit CommittedCache(size_t capacity) : capacity_(capacity) {}

  std::optional<AlertStatus> Find(std::string_view fingerprint, std::string_view starts_at) const;
  // Records the committed status of an episode (overwriting an older one).
  void Put(std::string_view fingerprint, std::string_view starts_at, AlertStatus status);
  // Forgets everything (e.g. when rows are deleted).
  void Clear();

 private:
  static std::string Key(std::string_view fingerprint, std::string_view starts_at);

  const size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, AlertStatus> status_;
  std::deque<std::string> insertion_order_;
};

}  // namespace rebound::controller::intake
