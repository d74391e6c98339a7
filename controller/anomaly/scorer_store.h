// ScorerStore: where continuously scored workloads' scorer state survives restarts — the
// anomaly_scorers table of the journal database, which Open creates and migrates itself.
//
// One row per (signal set, namespace, workload): the scorer's serialised state, the time of
// the last sample it learnt, and the signature (signal_set.h) of the set it was learnt under.
// Written with synchronous=NORMAL: a crash may lose the last saves, which only means catching
// up from a little further back.
//
// Thread-safety: all methods may be called from any thread (one connection behind a mutex).
#pragma once

#include <chrono>
#include <compare>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace rebound::controller::anomaly {

struct ScorerKey {
  std::string set;  // the signal set's name
  std::string namespace_name;
  std::string workload;
  friend auto operator<=>(const ScorerKey&, const ScorerKey&) = default;
};

struct SavedScorer {
  ScorerKey key;
  std::string signature;
  std::chrono::system_clock::time_point scored_at;  // the last sample learnt, in milliseconds
  std::string state;                                // anomaly::Scorer::Serialize()
};

class ScorerStore {
 public:
  // Opens the journal database in `state_dir`, which Journal::Open must have created, and
  // creates or migrates the anomaly_scorers table in it (store/schema.h). Unavailable when the
  // file cannot be opened, Internal when the table cannot be set up.
  static common::Result<std::unique_ptr<ScorerStore>> Open(const std::string& state_dir);
  ~ScorerStore();

  // Every saved scorer, ordered by key. Unavailable on a database failure.
  common::Result<std::vector<SavedScorer>> LoadAll() const;
  // Inserts or replaces each scorer, in one transaction: on failure (Unavailable) none is saved.
  common::Status Save(const std::vector<SavedScorer>& scorers);
  // Deletes the scorers of `keys` (absent ones are ignored), in one transaction: on failure
  // (Unavailable) none is deleted.
  common::Status Delete(const std::vector<ScorerKey>& keys);

 private:
  class Impl;
  explicit ScorerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rebound::controller::anomaly
