// Thin RAII wrappers over the SQLite C API for the journal (journal.h): a connection, a
// prepared statement, one use of a statement (Query), and helpers for parameterless SQL.
// Every SQLite failure comes back as a common::Status, never as an exception or a return code;
// messages start with "journal: " (the only user so far), then say what was being done and
// quote SQLite's message.
//
// Thread-safety: connections are opened with SQLITE_OPEN_NOMUTEX, so a Connection and the
// Statements and Queries made from it must be used by one thread at a time; the caller
// serialises (the journal gives its writer thread one connection and guards the other with a
// mutex). Different connections may be used concurrently.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::intake::sqlite {

// Times are stored as whole milliseconds since the Unix epoch (rounded down).
int64_t ToMillis(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point FromMillis(int64_t ms);

// Unavailable describing a failed SQLite call: "journal: <what>: <message> (<generic>)". Every
// SQLite failure is Unavailable: the database is a dependency that cannot serve right now.
// `db` may be null when the connection itself could not be created.
common::Status Error(sqlite3* db, int rc, std::string_view what);

// Owns a connection. sqlite3_close_v2 defers the close until every statement is finalized, so
// destruction order against Statements does not matter.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Opens `path` with `flags` (SQLITE_OPEN_*), extended result codes and a 5 s busy timeout.
  // Unavailable naming `what` and the path on failure.
  common::Status Open(const std::string& path, int flags, std::string_view what);

  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement, reused across calls (see Query for how each use resets it).
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Prepares `sql` on `db`, replacing any earlier statement. Unavailable quoting the SQL when
  // it does not compile (e.g. unknown table or column).
  common::Status Prepare(sqlite3* db, std::string_view sql);

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement: binds parameters in order, steps, reads columns, and on
// destruction resets the statement so that it holds no read transaction or bound copy.
// A failed bind is remembered and returned by the next Step or Run; `what` names the use in
// error messages.
class Query {
 public:
  Query(sqlite3* db, Statement& stmt, std::string what);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  // Bind the next parameter. Text and blobs are copied, so temporaries are fine.
  Query& Text(std::string_view value);
  Query& Blob(std::string_view bytes);  // any bytes, NULs included
  Query& Int(int64_t value);

  // True when a row is available, false when the statement is done; Unavailable on failure.
  common::Result<bool> Step();
  // Steps a statement that returns no rows.
  common::Status Run();

  std::string ColumnText(int column) const;  // "" for NULL
  std::string ColumnBlob(int column) const;  // "" for NULL or an empty blob
  int64_t ColumnInt(int column) const;
  int64_t Changes() const;  // rows changed by the last INSERT, UPDATE or DELETE on the connection

 private:
  void Check(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int index_ = 0;
  common::Status status_;
};

// Runs SQL text that takes no parameters (setup, transactions, migrations). Unavailable naming
// `what` on failure.
common::Status Exec(sqlite3* db, std::string_view sql, std::string_view what);

// Reads the single integer a PRAGMA query returns. Unavailable on an SQLite failure, Internal
// when the PRAGMA returns no row.
common::Result<int64_t> PragmaInt(sqlite3* db, std::string_view pragma);

}  // namespace rebound::controller::intake::sqlite
