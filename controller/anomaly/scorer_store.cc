#include "controller/anomaly/scorer_store.h"

#include <filesystem>
#include <functional>
#include <mutex>

#include "controller/intake/sqlite.h"

namespace rebound::controller::anomaly {
namespace {

using intake::sqlite::Exec;
using intake::sqlite::FromMillis;
using intake::sqlite::Query;
using intake::sqlite::Statement;
using intake::sqlite::ToMillis;

}  // namespace

class ScorerStore::Impl {
 public:
  common::Status Open(const std::string& state_dir) {
    const std::string path = (std::filesystem::path(state_dir) / "journal.db").string();
    REBOUND_RETURN_IF_ERROR(db_.Open(path, SQLITE_OPEN_READWRITE, "open anomaly scorers in"));
    sqlite3* db = db_.get();
    REBOUND_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"));
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
    Query query(db_.get(), load_, "read anomaly scorers");
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
        Query insert(db_.get(), save_, "save anomaly scorer");
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
        Query remove(db_.get(), delete_, "delete anomaly scorer");
        remove.Text(key.set).Text(key.namespace_name).Text(key.workload);
        REBOUND_RETURN_IF_ERROR(remove.Run());
      }
      return common::Status::Ok();
    });
  }

 private:
  // Runs `body` between BEGIN and COMMIT, rolling back when it or the commit fails.
  common::Status InTransaction(const std::string& what,
                               const std::function<common::Status()>& body) {
    std::lock_guard lock(mu_);
    sqlite3* db = db_.get();
    REBOUND_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "begin to " + what));
    common::Status status = body();
    if (status.ok()) status = Exec(db, "COMMIT", "commit to " + what);
    if (!status.ok() && sqlite3_get_autocommit(db) == 0) {
      (void)Exec(db, "ROLLBACK", "roll back to " + what);
    }
    return status;
  }

  std::mutex mu_;
  intake::sqlite::Connection db_;
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
