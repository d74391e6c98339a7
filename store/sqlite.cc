#include "store/sqlite.h"

#include <sqlite3.h>

#include <optional>
#include <utility>

namespace rebound::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;

int OpenFlags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kReadWriteCreate:
      return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    case OpenMode::kReadWrite:
      return SQLITE_OPEN_READWRITE;
    case OpenMode::kReadOnly:
      return SQLITE_OPEN_READONLY;
  }
  return SQLITE_OPEN_READONLY;
}

}  // namespace

using common::Result;
using common::Status;

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Open(const std::string& path, OpenMode mode, std::string name,
                      const std::string& vfs) {
  name_ = std::move(name);
  path_ = path;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, OpenFlags(mode) | SQLITE_OPEN_NOMUTEX,
                                 vfs.empty() ? nullptr : vfs.c_str());
  db_ = db;  // a handle is returned even on failure, and must be closed
  if (rc != SQLITE_OK) return Error(rc, "open " + path);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  return Status::Ok();
}

bool Database::InTransaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

int64_t Database::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

Status Database::Error(int rc, std::string_view what) const {
  std::string message = name_;
  message += ": ";
  message += what;
  message += ": ";
  // sqlite3_errmsg needs a handle; without one (out of memory at open) the code says it all.
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  message += detail;
  const std::string_view generic = sqlite3_errstr(rc);
  if (generic != detail) {
    message += " (";
    message += generic;
    message += ")";
  }
  return common::Unavailable(std::move(message));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::Prepare(const Database& db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) return db.Error(rc, "prepare \"" + std::string(sql) + "\"");
  return Status::Ok();
}

Query::Query(const Database& db, Statement& stmt, std::string what)
    : db_(db), stmt_(stmt.get()), what_(std::move(what)) {}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::Text(std::string_view value) {
  if (status_.ok()) {
    // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
    Check(sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  return *this;
}

Query& Query::Blob(std::string_view bytes) {
  if (status_.ok()) {
    Check(sqlite3_bind_blob64(stmt_, ++index_, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
  return *this;
}

Query& Query::Int(int64_t value) {
  if (status_.ok()) Check(sqlite3_bind_int64(stmt_, ++index_, value));
  return *this;
}

Result<bool> Query::Step() {
  if (!status_.ok()) return status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_.Error(rc, what_);
}

Status Query::Run() {
  Result<bool> row = Step();
  return row.status();
}

std::string Query::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return std::string();
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Query::ColumnBlob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (bytes == nullptr) return std::string();
  return std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Query::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

int64_t Query::Changes() const { return sqlite3_changes64(db_.handle()); }

void Query::Check(int rc) {
  if (rc != SQLITE_OK) status_ = db_.Error(rc, what_ + ": bind parameter");
}

Status Exec(const Database& db, std::string_view sql, std::string_view what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db.handle(), std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = db.name();
  message += ": ";
  message += what;
  message += ": ";
  message += error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return common::Unavailable(std::move(message));
}

Result<int64_t> PragmaInt(const Database& db, std::string_view pragma) {
  Statement stmt;
  REBOUND_RETURN_IF_ERROR(stmt.Prepare(db, pragma));
  Query query(db, stmt, std::string(pragma));
  Result<bool> row = query.Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Internal(db.name() + ": " + std::string(pragma) + " returned no row");
  return query.ColumnInt(0);
}

Status InTransaction(const Database& db, std::string_view what,
                     const std::function<Status()>& body) {
  REBOUND_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "begin to " + std::string(what)));
  Status status = body();
  if (status.ok()) status = Exec(db, "COMMIT", "commit to " + std::string(what));
  if (!status.ok() && db.InTransaction()) {
    (void)Exec(db, "ROLLBACK", "roll back to " + std::string(what));
  }
  return status;
}

Status UseWal(const Database& db) {
  std::string mode;
  for (std::string_view sql : {"SELECT count(*) FROM sqlite_master", "PRAGMA journal_mode=WAL"}) {
    Statement stmt;
    Status status = stmt.Prepare(db, sql);
    std::optional<Query> query;
    if (status.ok()) {
      query.emplace(db, stmt, std::string(sql));
      Result<bool> row = query->Step();
      status = row.status();
      if (status.ok() && *row) mode = query->ColumnText(0);
    }
    if (!status.ok()) {
      return common::Unavailable(db.name() + ": " + db.path() +
                                 " is not a usable SQLite database (" +
                                 sqlite3_errmsg(db.handle()) + ")");
    }
  }
  if (mode != "wal") {
    return common::Unavailable(db.name() + ": cannot put " + db.path() +
                               " in WAL mode (journal_mode is \"" + mode + "\")");
  }
  return Status::Ok();
}

int64_t ToMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point FromMillis(int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(ms)));
}

}  // namespace rebound::store
