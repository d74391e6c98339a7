// HealLog: the durable record of what healing decided and did (the heal_log table of the
// journal database), for GET /api/v1/actions, for the audit trail an operator reads after an
// incident, and to rebuild guardrail state (cooldowns, hourly caps, the circuit breaker) and
// outcome statistics after a restart.
//
// One row per event of a remediation: the decision (matched a playbook, none matched, refused,
// folded into a running remediation, skipped), each action, each verification, the outcome and
// any escalation. Rows are written synchronously (synchronous=FULL) before the step they record
// is considered done.
//
// Thread-safety: all methods may be called from any thread (one connection behind a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "controller/intake/journal.h"

namespace rebound::controller::healing {

struct HealRecord {
  enum class Kind {
    kDecision,    // result: matched | no_playbook | refused | folded | skipped | waiting
    kAction,      // result: actions::OutcomeName (done | dry_run | noop | refused | failed)
    kVerify,      // result: passed | failed
    kOutcome,     // result: RemediationOutcomeName (healed | unhealed | ... | interrupted)
    kEscalation,  // result: escalated
  };

  int64_t id = 0;  // assigned by Append
  std::chrono::system_clock::time_point at;
  intake::EpisodeKey episode;
  std::string alertname;
  std::string playbook;
  std::string target;  // "Deployment shop/web"
  int step = -1;       // 0-based, -1 outside steps
  std::string action;
  Kind kind = Kind::kDecision;
  std::string result;
  std::string reason;   // the guardrail, the cause of a failure; "anomaly" on a decision
                        // "matched" whose anomaly gate passed
  std::string message;  // for people
  std::chrono::milliseconds duration{0};
  // On a "folded" decision: the first episode of the remediation it joined (that
  // remediation's id), by which the folded episode ends with it, across restarts too.
  intake::EpisodeKey joined;
};

// "decision" | "action" | "verify" | "outcome" | "escalation"
std::string_view HealRecordKindName(HealRecord::Kind kind);

class HealLog {
 public:
  // Opens the journal database in `state_dir`, which Journal::Open must have created, and
  // creates or migrates the heal_log table in it (store/schema.h). `vfs` names the SQLite VFS
  // ("" the default; tests name a store::FaultVfs). Unavailable when the file cannot be
  // opened, Internal when the table cannot be set up.
  static common::Result<std::unique_ptr<HealLog>> Open(const std::string& state_dir,
                                                       const std::string& vfs = "");
  ~HealLog();

  // Records `record` durably; returns it with its id. Unavailable on a database failure.
  common::Result<HealRecord> Append(HealRecord record);
  // Records every one of `records` durably in one transaction: all or none. Unavailable on a
  // database failure.
  common::Status AppendAll(const std::vector<HealRecord>& records);

  // The newest records first, at most `limit`; only those of `playbook` when it is not empty.
  common::Result<std::vector<HealRecord>> Recent(size_t limit, const std::string& playbook) const;
  // Recent, a page at a time: at most `limit` records that come after `after` in that order
  // (from the newest when it is null), stopping early once the text of the rows read reaches
  // `max_bytes` (at least one row is returned). The next page comes after the last record of
  // this one; an empty page is the end.
  common::Result<std::vector<HealRecord>> RecentPage(size_t limit, const std::string& playbook,
                                                     const HealRecord* after,
                                                     size_t max_bytes) const;
  // Records at or after `since`, oldest first.
  common::Result<std::vector<HealRecord>> Since(std::chrono::system_clock::time_point since) const;
  // The target of the newest `matched` or `folded` decision of `playbook` for `episode`: the
  // workload its remediation resolved and worked on; "" when there is none. (Not indexed: read
  // only for episodes resumed after a restart.)
  common::Result<std::string> TargetOf(const intake::EpisodeKey& episode,
                                       const std::string& playbook) const;
  // Deletes records older than `before`; returns how many.
  common::Result<size_t> DeleteBefore(std::chrono::system_clock::time_point before);
  // Whether healing is done with the episode `key` by what its records say: it has a decision,
  // and every remediation it matched has a final outcome (not "interrupted") or its resumption
  // was refused. An episode folded into another's remediation is settled when that
  // remediation is (its outcome is recorded under that remediation's first episode, which the
  // "folded" record names). False for an episode without records. Lets healing decide an
  // episode once even when its journal state ("handled") was lost, or the episode was deleted
  // by retention and sent again.
  common::Result<bool> Settled(const intake::EpisodeKey& key) const;
  // The first episode of the remediation that `key` was last folded into, when its newest
  // decision is such a fold; nullopt otherwise.
  common::Result<std::optional<intake::EpisodeKey>> JoinedOf(const intake::EpisodeKey& key) const;

 private:
  class Impl;
  explicit HealLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rebound::controller::healing
