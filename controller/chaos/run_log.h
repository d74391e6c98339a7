// RunLog: the durable record of chaos runs (DESIGN.md section 7.1 "Record"), for
// GET /api/v1/chaos and /api/v1/chaos/runs/ID, for the scheduler's RunState after a restart
// (when each experiment last started), for coverage (when chaos last proved each playbook,
// section 7.3), and to undo the fault of a run the daemon was stopped in the middle of.
//
// Its own SQLite file, `chaos.db` in the state directory (created when missing), rather than a
// table of journal.db as the heal log: runs neither join nor share transactions with
// episodes, the chaos engine can then open its log without the journal having run first, and
// an operator can drop the chaos history without touching alert state. The table is created
// and migrated through store/schema.h (owner "chaos_runs"). One row per run holds the run's
// JSON (run.h) plus the columns the queries below need. Writes are synchronous (FULL): a
// run's fault choice is on disk before the fault is injected.
//
// Thread-safety: all methods may be called from any thread (one connection behind a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "controller/chaos/run.h"

namespace rebound::controller::chaos {

// When chaos last proved a playbook: a `recovered` run whose expectHealing named it.
struct Proof {
  std::chrono::system_clock::time_point at;  // the run's recovery (recovered_at)
  std::chrono::milliseconds recovery{0};     // its time to recovery
  int64_t run_id = 0;
};

class RunLog {
 public:
  // Opens (creating when missing) `state_dir`/chaos.db and sets up its table. Unavailable when
  // the file cannot be opened, Internal when the table cannot be set up. `vfs` names a SQLite
  // VFS for tests that make writes fail (store/fault_vfs.h); "" is the default.
  static common::Result<std::unique_ptr<RunLog>> Open(const std::string& state_dir,
                                                      const std::string& vfs = "");
  ~RunLog();

  // Records a new run durably and returns its id (which `run.id` is ignored for). Unavailable
  // on a database failure.
  common::Result<int64_t> Begin(const ChaosRun& run);
  // Replaces the stored state of run `run.id` (new steps, phase, choice, result) durably.
  // NotFound when no run has that id; Unavailable on a database failure.
  common::Status Update(const ChaosRun& run);

  // The run `id`. NotFound when there is none; Unavailable on a database failure; Internal when
  // its stored JSON cannot be read.
  common::Result<ChaosRun> Get(int64_t id) const;
  // The newest runs first (by id), at most `limit`, only those with an id below `before_id`
  // when it is set (the next page starts below the last id of this one), only `experiment`'s
  // when it is not empty.
  common::Result<std::vector<ChaosRun>> Recent(size_t limit, const std::string& experiment,
                                               std::optional<int64_t> before_id = {}) const;
  // Runs not finished (phase other than done), oldest first: after a restart, those whose
  // fault may still be in place.
  common::Result<std::vector<ChaosRun>> Unfinished() const;
  // When each experiment's newest run started (any result), by experiment name: the
  // scheduler's RunState::last_started.
  common::Result<std::map<std::string, std::chrono::system_clock::time_point>> LastStarts() const;
  // The newest proof of each playbook, by playbook name (never-proven playbooks are absent).
  common::Result<std::map<std::string, Proof>> LastProofs() const;
  // For `pick: least-recently-proven`: when each target ("Deployment shop/web") last had a
  // `recovered` run that named `playbook` as expectHealing, or, with `playbook` empty, a
  // `recovered` run of `experiment`; targets never proven are absent.
  common::Result<std::map<std::string, std::chrono::system_clock::time_point>>
  LastRecoveredByTarget(const std::string& playbook, const std::string& experiment) const;
  // Deletes finished runs that started before `before` (unfinished ones are kept: their fault
  // may need undoing); returns how many.
  common::Result<size_t> DeleteBefore(std::chrono::system_clock::time_point before);

 private:
  class Impl;
  explicit RunLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rebound::controller::chaos
