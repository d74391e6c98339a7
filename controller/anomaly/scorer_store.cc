#include "controller/anomaly/scorer_store.h"

#include <filesystem>
#include <functional>
#include <mutex>

#include "store/schema.h"
#include "store/sqlite.h"

namespace rebound::controller::anomaly {
namespace {

using store::Exec;
using store::FromMillis;
using store::Query;
using store::Statement;
using store::ToMillis;

// The store's table (store/schema.h): one scorer's state per (signal set, namespace,
// workload), so that a restart catches up instead of re-learning.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE anomaly_scorers (
  signal_set   TEXT    NOT NULL,
  namespace    TEXT    NOT NULL,
  workload     TEXT    NOT NULL,
  signature    TEXT    NOT NULL,  -- the set's step, season and queries the state was learnt with
  scored_at_ms INTEGER NOT NULL,  -- the time of the last sample learnt
  state        BLOB    NOT NULL,  -- anomaly::Scorer::Serialize()
  PRIMARY KEY (signal_set, namespace, workload)
);
)sql",
};
// Before the owners of journal.db kept their own versions, this table was version 3 of the file.
constexpr store::Schema kSchema{
    .owner = "anomaly_scorers", .migrations = kMigrations, .legacy_version = 3};

}  // namespace

class ScorerStore::Impl {
 public:
  common::Status Open(const std::string& state_dir) {
    const std::string path = (std::filesystem::path(state_dir) / "journal.db").string();
    REBOUND_RETURN_IF_ERROR(db_.Open(path, store::OpenMode::kReadWrite, "anomaly scorers"));
    const store::Database& db = db_;
    REBOUND_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"));
    REBOUND_RETURN_IF_ERROR(store::Migrate(db, kSchema));
    REBOUND_RETURN_IF_ERROR(
        load_.Prepare(db,
                      "SELECT signal_set, namespace, workload, signature, scored_at_ms, state "
                      "FROM anomaly_scorers ORDER BY signal_set, namespace, workload"));
    REBOUND_RETURN_IF_ERROR(
        save_.Prepare(db,
                      "INSERT OR REPLACE INTO anomaly_scorers "
                      "(signal_set, namespace, workload, signature, scored_at_ms, state) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    REBOUND_RETURN_IF_ERROR(
        delete_.Prepare(db,
                        "DELETE FROM anomaly_scorers WHERE signal_set = ?1 AND namespace = ?2 AND "
                        "workload = ?3"));
    return common::Status::Ok();
  }

  common::Result<std::vector<SavedScorer>> LoadAll() {
    std::lock_guard lock(mu_);
    Query query(db_, load_, "read anomaly scorers");
    std::vector<SavedScorer> out;
    for (;;) {
      common::Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      SavedScorer s;
      s.key = {query.ColumnText(0), query.ColumnText(1), query.ColumnText(2)};
      s.signature = query.ColumnText(3);
      s.scored_at = FromMillis(query.ColumnInt(4));
      s.state = query.ColumnBlob(5);
      out.push_back(std::move(s));
    }
  }

  common::Status Save(const std::vector<SavedScorer>& scorers) {
    return InTransaction("save anomaly scorers", [&]() -> common::Status {
      for (const SavedScorer& s : scorers) {
        Query insert(db_, save_, "save anomaly scorer");
        insert.Text(s.key.set)
            .Text(s.key.namespace_name)
            .Text(s.key.workload)
            .Text(s.signature)
            .Int(ToMillis(s.scored_at))
            .Blob(s.state);
        REBOUND_RETURN_IF_ERROR(insert.Run());
      }
      return common::Status::Ok();
    });
  }

  common::Status Delete(const std::vector<ScorerKey>& keys) {
    return InTransaction("delete anomaly scorers", [&]() -> common::Status {
      for (const ScorerKey& key : keys) {
        Query remove(db_, delete_, "delete anomaly scorer");
        remove.Text(key.set).Text(key.namespace_name).Text(key.workload);
        REBOUND_RETURN_IF_ERROR(remove.Run());
      }
      return common::Status::Ok();
    });
  }

 private:
  // Runs `body` in one transaction, rolling back when it or the commit fails.
  common::Status InTransaction(const std::string& what,
                               const std::function<common::Status()>& body) {
    std::lock_guard lock(mu_);
    return store::InTransaction(db_, what, body);
  }

  std::mutex mu_;
  store::Database db_;
  Statement load_, save_, delete_;
};

ScorerStore::ScorerStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScorerStore::~ScorerStore() = default;

common::Result<std::unique_ptr<ScorerStore>> ScorerStore::Open(const std::string& state_dir) {
  auto impl = std::make_unique<Impl>();
  REBOUND_RETURN_IF_ERROR(impl->Open(state_dir));
  return std::unique_ptr<ScorerStore>(new ScorerStore(std::move(impl)));
}

common::Result<std::vector<SavedScorer>> ScorerStore::LoadAll() const { return impl_->LoadAll(); }

common::Status ScorerStore::Save(const std::vector<SavedScorer>& scorers) {
  return impl_->Save(scorers);
}

common::Status ScorerStore::Delete(const std::vector<ScorerKey>& keys) {
  return impl_->Delete(keys);
}

}  // namespace rebound::controller::anomaly
