#include "controller/intake/sqlite.h"

#include <utility>

namespace rebound::controller::intake::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

using common::Result;
using common::Status;

Status Error(sqlite3* db, int rc, std::string_view what) {
  std::string message = "journal: ";
  message += what;
  message += ": ";
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += detail;
  const std::string_view generic = sqlite3_errstr(rc);
  if (generic != detail) {
    message += " (";
    message += generic;
    message += ")";
  }
  return common::Unavailable(std::move(message));
}

Connection::~Connection() { sqlite3_close_v2(db_); }

Status Connection::Open(const std::string& path, int flags, std::string_view what) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  db_ = db;  // a handle is returned even on failure, and must be closed
  if (rc != SQLITE_OK) return Error(db, rc, std::string(what) + " " + path);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  return Status::Ok();
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) return Error(db, rc, "prepare \"" + std::string(sql) + "\"");
  return Status::Ok();
}

Query::Query(sqlite3* db, Statement& stmt, std::string what)
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
  return Error(db_, rc, what_);
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

int64_t Query::Changes() const { return sqlite3_changes64(db_); }

void Query::Check(int rc) {
  if (rc != SQLITE_OK) status_ = Error(db_, rc, what_ + ": bind parameter");
}

Status Exec(sqlite3* db, std::string_view sql, std::string_view what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = "journal: ";
  message += what;
  message += ": ";
  message += error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return common::Unavailable(std::move(message));
}

Result<int64_t> PragmaInt(sqlite3* db, std::string_view pragma) {
  Statement stmt;
  REBOUND_RETURN_IF_ERROR(stmt.Prepare(db, pragma));
  Query query(db, stmt, std::string(pragma));
  Result<bool> row = query.Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Internal("journal: " + std::string(pragma) + " returned no row");
  return query.ColumnInt(0);
}

int64_t ToMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point FromMillis(int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(ms)));
}

}  // namespace rebound::controller::intake::sqlite
