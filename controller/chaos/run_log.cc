#include "controller/chaos/run_log.h"

#include <filesystem>
#include <mutex>

#include "store/schema.h"
#include "store/sqlite.h"

namespace rebound::controller::chaos {
namespace {

using store::Query;
using store::Statement;
using store::ToMillis;

constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE chaos_runs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment   TEXT    NOT NULL,
  started_ms   INTEGER NOT NULL,
  finished     INTEGER NOT NULL,  -- 0 while the run (and maybe its fault) is under way
  result       TEXT    NOT NULL,  -- RunResultName, '' until finished
  playbook     TEXT    NOT NULL,  -- expectHealing, '' for none
  target       TEXT    NOT NULL,  -- RunTarget::ToString, '' before pre-flight picked one
  recovered_ms INTEGER NOT NULL,  -- recovered runs: the first healthy check; else 0
  recovery_ms  INTEGER NOT NULL,  -- recovered runs: injection to recovered_ms; else 0
  record       TEXT    NOT NULL   -- RunToJson (its "id" is this row's)
);
CREATE INDEX chaos_runs_by_experiment ON chaos_runs (experiment, id);
CREATE INDEX chaos_runs_by_finished ON chaos_runs (finished, id);
)sql",
};
constexpr store::Schema kSchema{.owner = "chaos_runs", .migrations = kMigrations};

constexpr std::string_view kFile = "chaos.db";

}  // namespace

class RunLog::Impl {
 public:
  common::Status Open(const std::string& state_dir, const std::string& vfs) {
    const std::string path = (std::filesystem::path(state_dir) / kFile).string();
    REBOUND_RETURN_IF_ERROR(db_.Open(path, store::OpenMode::kReadWriteCreate, "chaos log", vfs));
    REBOUND_RETURN_IF_ERROR(store::UseWal(db_));
    REBOUND_RETURN_IF_ERROR(store::Exec(db_, "PRAGMA synchronous=FULL", "set synchronous=FULL"));
    REBOUND_RETURN_IF_ERROR(store::Migrate(db_, kSchema));
    REBOUND_RETURN_IF_ERROR(insert_.Prepare(
        db_,
        "INSERT INTO chaos_runs (experiment, started_ms, finished, result, playbook, target, "
        "recovered_ms, recovery_ms, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    REBOUND_RETURN_IF_ERROR(update_.Prepare(
        db_,
        "UPDATE chaos_runs SET experiment = ?1, started_ms = ?2, finished = ?3, result = ?4, "
        "playbook = ?5, target = ?6, recovered_ms = ?7, recovery_ms = ?8, record = ?9 "
        "WHERE id = ?10"));
    REBOUND_RETURN_IF_ERROR(get_.Prepare(db_, "SELECT id, record FROM chaos_runs WHERE id = ?1"));
    REBOUND_RETURN_IF_ERROR(recent_.Prepare(
        db_, "SELECT id, record FROM chaos_runs WHERE id < ?2 ORDER BY id DESC LIMIT ?1"));
    REBOUND_RETURN_IF_ERROR(recent_experiment_.Prepare(
        db_,
        "SELECT id, record FROM chaos_runs WHERE id < ?2 AND experiment = ?3 "
        "ORDER BY id DESC LIMIT ?1"));
    REBOUND_RETURN_IF_ERROR(unfinished_.Prepare(
        db_, "SELECT id, record FROM chaos_runs WHERE finished = 0 ORDER BY id"));
    REBOUND_RETURN_IF_ERROR(last_starts_.Prepare(
        db_, "SELECT experiment, MAX(started_ms) FROM chaos_runs GROUP BY experiment"));
    REBOUND_RETURN_IF_ERROR(proofs_.Prepare(
        db_,
        "SELECT playbook, recovered_ms, recovery_ms, id FROM chaos_runs WHERE result = ?1 AND "
        "playbook <> '' AND recovered_ms > 0 ORDER BY recovered_ms, id"));
    REBOUND_RETURN_IF_ERROR(by_target_.Prepare(
        db_,
        "SELECT target, MAX(recovered_ms) FROM chaos_runs WHERE result = ?1 AND target <> '' "
        "AND recovered_ms > 0 AND (playbook = ?2 OR (?2 = '' AND experiment = ?3)) "
        "GROUP BY target"));
    REBOUND_RETURN_IF_ERROR(delete_before_.Prepare(
        db_, "DELETE FROM chaos_runs WHERE finished = 1 AND started_ms < ?1"));
    return common::Status::Ok();
  }

  common::Result<int64_t> Begin(const ChaosRun& run) {
    std::lock_guard lock(mu_);
    Query query(db_, insert_, "record a chaos run");
    Bind(query, run);
    REBOUND_RETURN_IF_ERROR(query.Run());
    return db_.LastInsertRowid();
  }

  common::Status Update(const ChaosRun& run) {
    std::lock_guard lock(mu_);
    Query query(db_, update_, "update a chaos run");
    Bind(query, run);
    query.Int(run.id);
    REBOUND_RETURN_IF_ERROR(query.Run());
    if (query.Changes() == 0) {
      return common::NotFound("chaos log: no run " + std::to_string(run.id));
    }
    return common::Status::Ok();
  }

  common::Result<ChaosRun> Get(int64_t id) {
    std::lock_guard lock(mu_);
    Query query(db_, get_, "read a chaos run");
    query.Int(id);
    auto runs = ReadRuns(query);
    if (!runs.ok()) return runs.status();
    if (runs->empty()) return common::NotFound("no chaos run " + std::to_string(id));
    return std::move(runs->front());
  }

  common::Result<std::vector<ChaosRun>> Recent(size_t limit, const std::string& experiment,
                                               std::optional<int64_t> before_id) {
    std::lock_guard lock(mu_);
    const int64_t n = static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX));
    const int64_t below = before_id.value_or(INT64_MAX);
    if (experiment.empty()) {
      Query query(db_, recent_, "read chaos runs");
      query.Int(n).Int(below);
      return ReadRuns(query);
    }
    Query query(db_, recent_experiment_, "read chaos runs");
    query.Int(n).Int(below).Text(experiment);
    return ReadRuns(query);
  }

  common::Result<std::vector<ChaosRun>> Unfinished() {
    std::lock_guard lock(mu_);
    Query query(db_, unfinished_, "read unfinished chaos runs");
    return ReadRuns(query);
  }

  common::Result<std::map<std::string, std::chrono::system_clock::time_point>> LastStarts() {
    std::lock_guard lock(mu_);
    Query query(db_, last_starts_, "read chaos run starts");
    return ReadTimes(query);
  }

  common::Result<std::map<std::string, Proof>> LastProofs() {
    std::lock_guard lock(mu_);
    Query query(db_, proofs_, "read chaos proofs");
    query.Text(RunResultName(RunResult::kRecovered));
    std::map<std::string, Proof> proofs;
    for (;;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return proofs;
      // Oldest first: the newest proof of each playbook is written last.
      proofs[query.ColumnText(0)] =
          Proof{store::FromMillis(query.ColumnInt(1)),
                std::chrono::milliseconds(query.ColumnInt(2)), query.ColumnInt(3)};
    }
  }

  common::Result<std::map<std::string, std::chrono::system_clock::time_point>>
  LastRecoveredByTarget(const std::string& playbook, const std::string& experiment) {
    std::lock_guard lock(mu_);
    Query query(db_, by_target_, "read chaos proofs by target");
    query.Text(RunResultName(RunResult::kRecovered)).Text(playbook).Text(experiment);
    return ReadTimes(query);
  }

  common::Result<size_t> DeleteBefore(std::chrono::system_clock::time_point before) {
    std::lock_guard lock(mu_);
    Query query(db_, delete_before_, "trim chaos log");
    query.Int(ToMillis(before));
    REBOUND_RETURN_IF_ERROR(query.Run());
    return static_cast<size_t>(query.Changes());
  }

 private:
  // ?1..?9 of insert_ and update_.
  static void Bind(Query& query, const ChaosRun& run) {
    const bool recovered = run.result == RunResult::kRecovered && run.recovered_at.has_value();
    query.Text(run.experiment)
        .Int(ToMillis(run.started_at))
        .Int(run.finished() ? 1 : 0)
        .Text(run.result ? RunResultName(*run.result) : "")
        .Text(run.expect_healing.value_or(""))
        .Text(run.target.empty() ? "" : run.target.ToString());
    query.Int(recovered ? ToMillis(*run.recovered_at) : 0)
        .Int(recovered ? run.recovery_time().value_or(std::chrono::milliseconds(0)).count() : 0);
    query.Text(RunToJson(run).dump());
  }

  // Rows of (text, milliseconds) as a map.
  static common::Result<std::map<std::string, std::chrono::system_clock::time_point>> ReadTimes(
      Query& query) {
    std::map<std::string, std::chrono::system_clock::time_point> times;
    for (;;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return times;
      times[query.ColumnText(0)] = store::FromMillis(query.ColumnInt(1));
    }
  }

  common::Result<std::vector<ChaosRun>> ReadRuns(Query& query) {
    std::vector<ChaosRun> runs;
    for (;;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return runs;
      const int64_t id = query.ColumnInt(0);
      nlohmann::json json = nlohmann::json::parse(query.ColumnText(1), nullptr, false);
      common::Result<ChaosRun> run = RunFromJson(json);
      if (!run.ok()) {
        return common::Internal("chaos log: run " + std::to_string(id) +
                                " cannot be read: " + run.status().message());
      }
      run->id = id;
      runs.push_back(std::move(*run));
    }
  }

  std::mutex mu_;
  store::Database db_;
  Statement insert_, update_, get_, recent_, recent_experiment_, unfinished_, last_starts_, proofs_,
      by_target_, delete_before_;
};

RunLog::RunLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunLog::~RunLog() = default;

common::Result<std::unique_ptr<RunLog>> RunLog::Open(const std::string& state_dir,
                                                     const std::string& vfs) {
  auto impl = std::make_unique<Impl>();
  REBOUND_RETURN_IF_ERROR(impl->Open(state_dir, vfs));
  return std::unique_ptr<RunLog>(new RunLog(std::move(impl)));
}

common::Result<int64_t> RunLog::Begin(const ChaosRun& run) { return impl_->Begin(run); }
common::Status RunLog::Update(const ChaosRun& run) { return impl_->Update(run); }
common::Result<ChaosRun> RunLog::Get(int64_t id) const { return impl_->Get(id); }
common::Result<std::vector<ChaosRun>> RunLog::Recent(size_t limit, const std::string& experiment,
                                                     std::optional<int64_t> before_id) const {
  return impl_->Recent(limit, experiment, before_id);
}
common::Result<std::vector<ChaosRun>> RunLog::Unfinished() const { return impl_->Unfinished(); }
common::Result<std::map<std::string, std::chrono::system_clock::time_point>> RunLog::LastStarts()
    const {
  return impl_->LastStarts();
}
common::Result<std::map<std::string, Proof>> RunLog::LastProofs() const {
  return impl_->LastProofs();
}
common::Result<std::map<std::string, std::chrono::system_clock::time_point>>
RunLog::LastRecoveredByTarget(const std::string& playbook, const std::string& experiment) const {
  return impl_->LastRecoveredByTarget(playbook, experiment);
}
common::Result<size_t> RunLog::DeleteBefore(std::chrono::system_clock::time_point before) {
  return impl_->DeleteBefore(before);
}

}  // namespace rebound::controller::chaos
