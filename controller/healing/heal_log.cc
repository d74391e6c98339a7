#include "controller/healing/heal_log.h"

#include <filesystem>

#include "controller/healing/outcome.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace rebound::controller::healing {
namespace {

using store::Exec;
using store::FromMillis;
using store::Query;
using store::Statement;
using store::ToMillis;

// The heal log's table (store/schema.h): one row per decision, action, verification and
// outcome of a remediation.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE heal_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms       INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL,
  starts_at   TEXT    NOT NULL,
  alertname   TEXT    NOT NULL,
  playbook    TEXT    NOT NULL,
  target      TEXT    NOT NULL,  -- "Deployment shop/web", '' before the target is known
  step        INTEGER NOT NULL,  -- 0-based step, -1 outside steps
  action      TEXT    NOT NULL,
  kind        TEXT    NOT NULL,  -- HealRecord::Kind
  result      TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  message     TEXT    NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX heal_log_by_at ON heal_log (at_ms);
)sql",
    R"sql(
-- Settled(): the records of one episode.
CREATE INDEX heal_log_by_episode ON heal_log (fingerprint, starts_at);
)sql",
    R"sql(
-- A folded decision names the remediation it joined: the first episode of that remediation.
ALTER TABLE heal_log ADD COLUMN joined_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE heal_log ADD COLUMN joined_starts_at TEXT NOT NULL DEFAULT '';
)sql",
};
// Before the owners of journal.db kept their own versions, this table was version 2 of the file.
constexpr store::Schema kSchema{
    .owner = "heal_log", .migrations = kMigrations, .legacy_version = 2};

constexpr std::string_view kColumns =
    "id, at_ms, fingerprint, starts_at, alertname, playbook, target, step, action, kind, result, "
    "reason, message, duration_ms, joined_fingerprint, joined_starts_at";

HealRecord::Kind ParseKind(std::string_view name) {
  for (HealRecord::Kind kind :
       {HealRecord::Kind::kDecision, HealRecord::Kind::kAction, HealRecord::Kind::kVerify,
        HealRecord::Kind::kOutcome, HealRecord::Kind::kEscalation}) {
    if (HealRecordKindName(kind) == name) return kind;
  }
  return HealRecord::Kind::kDecision;
}

}  // namespace

std::string_view HealRecordKindName(HealRecord::Kind kind) {
  switch (kind) {
    case HealRecord::Kind::kDecision:
      return "decision";
    case HealRecord::Kind::kAction:
      return "action";
    case HealRecord::Kind::kVerify:
      return "verify";
    case HealRecord::Kind::kOutcome:
      return "outcome";
    case HealRecord::Kind::kEscalation:
      return "escalation";
  }
  return "decision";
}

class HealLog::Impl {
 public:
  common::Status Open(const std::string& state_dir, const std::string& vfs) {
    const std::string path = (std::filesystem::path(state_dir) / "journal.db").string();
    REBOUND_RETURN_IF_ERROR(db_.Open(path, store::OpenMode::kReadWrite, "heal log", vfs));
    const store::Database& db = db_;
    REBOUND_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=FULL", "set synchronous=FULL"));
    REBOUND_RETURN_IF_ERROR(store::Migrate(db, kSchema));
    const std::string select = "SELECT " + std::string(kColumns) + " FROM heal_log";
    REBOUND_RETURN_IF_ERROR(insert_.Prepare(
        db, "INSERT INTO heal_log (" + std::string(kColumns).substr(4) +
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
    // Served by heal_log_by_at (which ends in the rowid, id): no sort, whatever the page.
    const std::string older = " WHERE (at_ms, id) < (?2, ?3)";
    const std::string newest_first = " ORDER BY at_ms DESC, id DESC LIMIT ?1";
    REBOUND_RETURN_IF_ERROR(recent_.Prepare(db, select + older + newest_first));
    REBOUND_RETURN_IF_ERROR(
        recent_playbook_.Prepare(db, select + older + " AND playbook = ?4" + newest_first));
    REBOUND_RETURN_IF_ERROR(since_.Prepare(db, select + " WHERE at_ms >= ?1 ORDER BY at_ms, id"));
    REBOUND_RETURN_IF_ERROR(target_of_.Prepare(
        db,
        "SELECT target FROM heal_log WHERE fingerprint = ?1 AND starts_at = ?2 AND "
        "playbook = ?3 AND kind = ?4 AND result IN (?5, ?6) AND target <> '' "
        "ORDER BY id DESC LIMIT 1"));
    REBOUND_RETURN_IF_ERROR(delete_before_.Prepare(db, "DELETE FROM heal_log WHERE at_ms < ?1"));
    REBOUND_RETURN_IF_ERROR(
        episode_.Prepare(db,
                         "SELECT kind, result, joined_fingerprint, joined_starts_at FROM heal_log "
                         "WHERE fingerprint = ?1 AND starts_at = ?2 AND kind "
                         "IN ('decision', 'outcome') ORDER BY id"));
    return common::Status::Ok();
  }

  common::Result<HealRecord> Append(HealRecord record) {
    std::lock_guard lock(mu_);
    REBOUND_RETURN_IF_ERROR(Insert(record));
    record.id = db_.LastInsertRowid();
    return record;
  }

  common::Status AppendAll(const std::vector<HealRecord>& records) {
    if (records.empty()) return common::Status::Ok();
    std::lock_guard lock(mu_);
    return store::InTransaction(db_, "append to heal log", [&]() -> common::Status {
      for (const HealRecord& record : records) REBOUND_RETURN_IF_ERROR(Insert(record));
      return common::Status::Ok();
    });
  }

  common::Result<std::vector<HealRecord>> RecentPage(size_t limit, const std::string& playbook,
                                                     const HealRecord* after, size_t max_bytes) {
    std::lock_guard lock(mu_);
    const int64_t n = static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX));
    const int64_t at_ms = after != nullptr ? ToMillis(after->at) : INT64_MAX;
    const int64_t id = after != nullptr ? after->id : INT64_MAX;
    if (playbook.empty()) {
      Query query(db_, recent_, "read heal log");
      query.Int(n).Int(at_ms).Int(id);
      return ReadAll(query, max_bytes);
    }
    Query query(db_, recent_playbook_, "read heal log");
    query.Int(n).Int(at_ms).Int(id).Text(playbook);
    return ReadAll(query, max_bytes);
  }

  common::Result<std::vector<HealRecord>> Since(std::chrono::system_clock::time_point since) {
    std::lock_guard lock(mu_);
    Query query(db_, since_, "read heal log");
    query.Int(ToMillis(since));
    return ReadAll(query, SIZE_MAX);
  }

  common::Result<size_t> DeleteBefore(std::chrono::system_clock::time_point before) {
    std::lock_guard lock(mu_);
    Query query(db_, delete_before_, "trim heal log");
    query.Int(ToMillis(before));
    REBOUND_RETURN_IF_ERROR(query.Run());
    return static_cast<size_t>(query.Changes());
  }

  common::Result<std::string> TargetOf(const intake::EpisodeKey& episode,
                                       const std::string& playbook) {
    std::lock_guard lock(mu_);
    Query query(db_, target_of_, "read heal log");
    query.Text(episode.fingerprint)
        .Text(episode.starts_at)
        .Text(playbook)
        .Text(HealRecordKindName(HealRecord::Kind::kDecision))
        .Text(DecisionResultName(DecisionResult::kMatched))
        .Text(DecisionResultName(DecisionResult::kFolded));
    common::Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    return *row ? query.ColumnText(0) : std::string();
  }

  common::Result<bool> Settled(const intake::EpisodeKey& key) {
    std::lock_guard lock(mu_);
    common::Result<Verdict> verdict = Judge(key);
    if (!verdict.ok()) return verdict.status();
    if (!verdict->joined) return verdict->settled;
    // Folded: it ends with the remediation it joined. That remediation's first episode is
    // folded itself only when its own decision was never recorded before a stop; then the
    // remediation never ran, nothing here settles the episode, and the healer ends it with the
    // one that first episode joined (Healer::Rejoin, EndWithRemediation).
    common::Result<Verdict> joined = Judge(*verdict->joined);
    if (!joined.ok()) return joined.status();
    return joined->settled && !joined->joined;
  }

  common::Result<std::optional<intake::EpisodeKey>> JoinedOf(const intake::EpisodeKey& key) {
    std::lock_guard lock(mu_);
    common::Result<Verdict> verdict = Judge(key);
    if (!verdict.ok()) return verdict.status();
    return verdict->joined;
  }

 private:
  // What the records of one episode say: settled (see Settled), or folded into the
  // remediation of `joined` (the newest fold that named it; older rows name none).
  struct Verdict {
    bool settled = false;
    std::optional<intake::EpisodeKey> joined;
  };

  // The caller holds mu_.
  common::Result<Verdict> Judge(const intake::EpisodeKey& key) {
    Query query(db_, episode_, "read the heal log of an episode");
    query.Text(key.fingerprint).Text(key.starts_at);
    bool decided = false;
    bool running = false;  // a "matched" without a final outcome yet
    std::optional<intake::EpisodeKey> joined;
    bool folded_unknown = false;  // folded by a version that did not record into what
    for (;;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) {
        if (folded_unknown) return Verdict{};
        return Verdict{.settled = !joined && decided && !running, .joined = joined};
      }
      const std::string result = query.ColumnText(1);
      if (ParseKind(query.ColumnText(0)) == HealRecord::Kind::kOutcome) {
        running = result == RemediationOutcomeName(RemediationOutcome::kInterrupted);
        continue;
      }
      switch (DecisionResultFromName(result).value_or(DecisionResult::kFolded)) {
        case DecisionResult::kMatched:
          decided = running = true;
          joined.reset();
          break;
        case DecisionResult::kNoPlaybook:
        case DecisionResult::kRefused:
          // A refusal also ends a remediation interrupted before (its resumption was refused).
          decided = true;
          running = false;
          joined.reset();
          break;
        case DecisionResult::kFolded:
          // Its outcome is recorded under the remediation's first episode, named here.
          if (query.ColumnText(2).empty()) {
            folded_unknown = true;
          } else {
            joined = intake::EpisodeKey{query.ColumnText(2), query.ColumnText(3)};
          }
          break;
        case DecisionResult::kSkipped:
        case DecisionResult::kWaiting:
          break;  // steps of a matched remediation
      }
    }
  }

  // Binds `record` to insert_ and runs it; the caller holds mu_.
  common::Status Insert(const HealRecord& record) {
    Query insert(db_, insert_, "append to heal log");
    insert.Int(ToMillis(record.at))
        .Text(record.episode.fingerprint)
        .Text(record.episode.starts_at)
        .Text(record.alertname)
        .Text(record.playbook)
        .Text(record.target)
        .Int(record.step)
        .Text(record.action)
        .Text(HealRecordKindName(record.kind))
        .Text(record.result)
        .Text(record.reason)
        .Text(record.message)
        .Int(record.duration.count())
        .Text(record.joined.fingerprint)
        .Text(record.joined.starts_at);
    return insert.Run();
  }

  // The rows of `query`, stopping after the row that brings their text to `max_bytes`.
  static common::Result<std::vector<HealRecord>> ReadAll(Query& query, size_t max_bytes) {
    std::vector<HealRecord> out;
    for (size_t bytes = 0; bytes < max_bytes;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      HealRecord r;
      r.id = query.ColumnInt(0);
      r.at = FromMillis(query.ColumnInt(1));
      r.episode.fingerprint = query.ColumnText(2);
      r.episode.starts_at = query.ColumnText(3);
      r.alertname = query.ColumnText(4);
      r.playbook = query.ColumnText(5);
      r.target = query.ColumnText(6);
      r.step = static_cast<int>(query.ColumnInt(7));
      r.action = query.ColumnText(8);
      r.kind = ParseKind(query.ColumnText(9));
      r.result = query.ColumnText(10);
      r.reason = query.ColumnText(11);
      r.message = query.ColumnText(12);
      r.duration = std::chrono::milliseconds(query.ColumnInt(13));
      r.joined.fingerprint = query.ColumnText(14);
      r.joined.starts_at = query.ColumnText(15);
      bytes += r.episode.fingerprint.size() + r.episode.starts_at.size() + r.alertname.size() +
               r.playbook.size() + r.target.size() + r.action.size() + r.result.size() +
               r.reason.size() + r.message.size();
      out.push_back(std::move(r));
    }
    return out;
  }

  std::mutex mu_;
  store::Database db_;
  Statement insert_, recent_, recent_playbook_, since_, target_of_, delete_before_, episode_;
};

HealLog::HealLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HealLog::~HealLog() = default;

common::Result<std::unique_ptr<HealLog>> HealLog::Open(const std::string& state_dir,
                                                       const std::string& vfs) {
  auto impl = std::make_unique<Impl>();
  REBOUND_RETURN_IF_ERROR(impl->Open(state_dir, vfs));
  return std::unique_ptr<HealLog>(new HealLog(std::move(impl)));
}

common::Result<HealRecord> HealLog::Append(HealRecord record) {
  return impl_->Append(std::move(record));
}

common::Status HealLog::AppendAll(const std::vector<HealRecord>& records) {
  return impl_->AppendAll(records);
}

common::Result<std::vector<HealRecord>> HealLog::Recent(size_t limit,
                                                        const std::string& playbook) const {
  return impl_->RecentPage(limit, playbook, nullptr, SIZE_MAX);
}

common::Result<std::vector<HealRecord>> HealLog::RecentPage(size_t limit,
                                                            const std::string& playbook,
                                                            const HealRecord* after,
                                                            size_t max_bytes) const {
  return impl_->RecentPage(limit, playbook, after, max_bytes);
}

common::Result<std::vector<HealRecord>> HealLog::Since(
    std::chrono::system_clock::time_point since) const {
  return impl_->Since(since);
}

common::Result<std::string> HealLog::TargetOf(const intake::EpisodeKey& episode,
                                              const std::string& playbook) const {
  return impl_->TargetOf(episode, playbook);
}

common::Result<size_t> HealLog::DeleteBefore(std::chrono::system_clock::time_point before) {
  return impl_->DeleteBefore(before);
}

common::Result<bool> HealLog::Settled(const intake::EpisodeKey& key) const {
  return impl_->Settled(key);
}

common::Result<std::optional<intake::EpisodeKey>> HealLog::JoinedOf(
    const intake::EpisodeKey& key) const {
  return impl_->JoinedOf(key);
}

}  // namespace rebound::controller::healing
