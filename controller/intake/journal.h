// Journal: the durable record of alert episodes (SQLite in WAL mode, in the state directory).
//
// Durable before acknowledged: Append() returns only after the batch is committed and synced.
// Concurrent Append() calls share one commit (group commit): a single writer thread takes
// everything queued while the previous sync ran and commits it in one transaction, so the
// disk's sync rate does not cap intake throughput. Deduplication (dedupe.h) is decided inside
// that transaction, against what is already journaled; so is matching a "resolved" whose
// startsAt Alertmanager moved to the episode it ends (see Append).
//
// Retention is bounded: finished episodes (handled or closed) older than `retention`, and the
// oldest finished episodes beyond `max_rows`, are deleted. Unfinished episodes (received,
// pending) are never deleted. A firing alert whose handled episode was deleted is a new
// episode when Alertmanager sends it again (docs/journal.md, "Retention").
//
// Thread-safety: all methods may be called from any thread. Reads use their own connection and
// see committed data only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "controller/intake/dedupe.h"
#include "controller/intake/payload.h"

namespace rebound::controller::intake {

enum class EpisodeState {
  kReceived,  // journaled, not yet taken by the worker
  kPending,   // taken by the worker, awaiting remediation (or being remediated)
  kHandled,   // remediation over (healed, refused, escalated, or no playbook); still firing
  kClosed,    // resolved: final
};

// "received" | "pending" | "handled" | "closed"
std::string_view EpisodeStateName(EpisodeState state);
std::optional<EpisodeState> ParseEpisodeState(std::string_view name);

struct EpisodeKey {
  std::string fingerprint;
  std::string starts_at;  // canonical RFC 3339 (common::FormatRfc3339)
  friend bool operator==(const EpisodeKey&, const EpisodeKey&) = default;
};

// What Append did with one alert: its outcome and the episode it refers to. That is the alert's
// own (fingerprint, startsAt), except for a "resolved" matched to an episode journaled under
// another startsAt (see Append).
struct AppendResult {
  IntakeOutcome outcome = IntakeOutcome::kNew;
  EpisodeKey key;
};

struct Episode {
  EpisodeKey key;
  std::string alertname;
  AlertStatus status = AlertStatus::kFiring;
  EpisodeState state = EpisodeState::kReceived;
  LabelSet labels;
  LabelSet annotations;
  std::string ends_at;  // canonical RFC 3339, "" while firing
  std::string generator_url;
  std::string receiver;
  std::string external_url;
  std::string playbook;  // "" until a playbook claims the episode
  std::chrono::system_clock::time_point received_at;
  std::chrono::system_clock::time_point updated_at;
};

// What an episode takes in memory, approximately: its strings (labels, annotations and the
// rest it carries) plus a fixed overhead per label and per episode. Bounds what is held in
// bytes as well as in count (the worker's hand-over, healing's waiting episodes).
size_t ApproximateSize(const Episode& episode);

class Journal {
 public:
  struct Options {
    std::string state_dir;  // created if missing; the database is state_dir/journal.db
    std::chrono::milliseconds retention = std::chrono::hours(24 * 30);
    size_t max_rows = 100000;
    // Called by the writer thread with the duration of each commit (including its sync).
    std::function<void(std::chrono::nanoseconds)> observe_commit = nullptr;
    // The SQLite VFS under the database: "" for SQLite's default. Tests name a store::FaultVfs
    // to make writes or syncs fail.
    std::string vfs;
  };

  // Opens the journal, creating the database or migrating the journal's tables (the heal log
  // and the scorer store migrate theirs). Unavailable when the directory or database cannot be
  // opened, Internal when the schema cannot be set up.
  static common::Result<std::unique_ptr<Journal>> Open(Options options, const common::Clock& clock);
  ~Journal();  // stops the writer after committing what is queued

  // Durably records the alerts of one accepted webhook; one result per alert, in order.
  //
  // Alertmanager keeps the earliest startsAt when an alert is posted again, so a "resolved"
  // (F, S', E) may name a startsAt S' under which nothing is journaled. Then every firing
  // episode of F whose startsAt S satisfies S' <= S <= E (as instants) is resolved, and the
  // result is kResolved with the latest such episode's key; a copy of that "resolved" is then
  // kDuplicate with the same key. Otherwise (F, S') is recorded as a new closed episode.
  //
  // InvalidArgument (nothing recorded) for an alert without a fingerprint. Unavailable (and
  // nothing recorded) when the commit fails; the caller must not acknowledge.
  common::Result<std::vector<AppendResult>> Append(const std::vector<Alert>& alerts,
                                                   const std::string& receiver,
                                                   const std::string& external_url);

  // Moves each episode to `state` unless it is already closed (closed is final), all in one
  // commit; one status per key, in order: OK, NotFound when there is no such episode, or the
  // commit's error for every key. A change whose commit failed is kept (see
  // RetryFailedStates) until it, or a later change of the same episode, commits.
  std::vector<common::Status> SetStates(const std::vector<EpisodeKey>& keys, EpisodeState state);
  // SetStates for one episode; a non-empty `playbook` also records the playbook that claimed it.
  common::Status SetState(const EpisodeKey& key, EpisodeState state,
                          const std::string& playbook = "");

  // Episodes in state received or pending, oldest first (by received_at, then fingerprint and
  // startsAt): the work to resume after a restart. At most `limit`, and only those after
  // `after` when it is given, so a large backlog is read a page at a time.
  common::Result<std::vector<Episode>> Unfinished(size_t limit = SIZE_MAX,
                                                  const Episode* after = nullptr) const;
  // The work to resume after a restart, a page at a time: calls `page` with the unfinished
  // episodes received until now (by the journal's clock; later ones are the worker's), in the
  // order of Unfinished(), at most `limit` per call, until they are done or `page` returns
  // false. A backlog is never in memory at once. Returns how many were handed to `page`.
  common::Result<size_t> ForEachUnfinished(
      size_t limit, const std::function<bool(std::vector<Episode>&)>& page) const;

  // Episodes newest first (by received_at), optionally only in one state, at most `limit`.
  common::Result<std::vector<Episode>> List(std::optional<EpisodeState> state, size_t limit) const;
  // List, a page at a time: at most `limit` episodes that come after `after` in that order
  // (from the newest when it is null), stopping early once the text of the rows read reaches
  // `max_bytes` (at least one row is returned). The next page comes after the last episode of
  // this one; an empty page is the end. Should `after` have been deleted meanwhile (retention),
  // the page starts after the episodes received in the same millisecond as it.
  common::Result<std::vector<Episode>> ListPage(std::optional<EpisodeState> state, size_t limit,
                                                const Episode* after, size_t max_bytes) const;

  // One episode, NotFound if absent.
  common::Result<Episode> Get(const EpisodeKey& key) const;

  // Applies retention now; returns how many episodes were deleted.
  common::Result<size_t> ApplyRetention();

  // Commits the state changes that failed (a full or failing disk), the latest per episode, in
  // one transaction; returns how many are still owed (0 after a successful commit, unless more
  // failed meanwhile), or the commit's error. The intake worker calls it, with backoff, while
  // failed_states() > 0, so that no episode waits for a restart.
  common::Result<size_t> RetryFailedStates();
  size_t failed_states() const;

 private:
  class Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rebound::controller::intake
