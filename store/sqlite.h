// Thin RAII wrappers over the SQLite C API, for the components that keep their state in a
// SQLite file (the journal, the heal log, the anomaly scorer store): a connection (Database),
// a prepared statement, one use of a statement (Query), transactions and parameterless SQL.
// Every SQLite failure comes back as a common::Status, never as an exception or a return code;
// messages start with the connection's name ("journal: ", "heal log: "), then say what was
// being done and quote SQLite's message. sqlite3.h stays behind this header.
//
// Thread-safety: connections are opened with SQLITE_OPEN_NOMUTEX, so a Database and the
// Statements and Queries made from it must be used by one thread at a time; the caller
// serialises (the journal gives its writer thread one connection and guards the other with a
// mutex). Different connections may be used concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rebound::store {

// Times are stored as whole milliseconds since the Unix epoch (rounded down).
int64_t ToMillis(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point FromMillis(int64_t ms);

enum class OpenMode {
  kReadWriteCreate,  // creates the file when it is missing
  kReadWrite,        // the file must exist
  kReadOnly,
};

// Owns a connection. sqlite3_close_v2 defers the close until every statement is finalized, so
// destruction order against Statements does not matter.
class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Opens `path` with extended result codes and a 5 s busy timeout. `name` starts every error
  // message about this connection. `vfs` names a registered SQLite VFS; "" is SQLite's default,
  // which production uses (tests name a FaultVfs, fault_vfs.h). Unavailable naming the path on
  // failure (missing file with kReadWrite, unknown VFS, unreadable directory, ...).
  common::Status Open(const std::string& path, OpenMode mode, std::string name,
                      const std::string& vfs = "");

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }

  // Whether a transaction is open. SQLite may end one by itself (e.g. after an I/O error
  // during COMMIT), so callers ask before rolling back.
  bool InTransaction() const;
  // The rowid of the last successful INSERT on this connection.
  int64_t LastInsertRowid() const;

  // Unavailable describing a failed SQLite call that returned `rc`:
  // "<name>: <what>: <message> (<generic>)". Every SQLite failure is Unavailable: the database
  // is a dependency that cannot serve right now.
  common::Status Error(int rc, std::string_view what) const;

  // The raw connection, for the helpers of this library.
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string name_;
  std::string path_;
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
  common::Status Prepare(const Database& db, std::string_view sql);

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
  Query(const Database& db, Statement& stmt, std::string what);
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

  const Database& db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int index_ = 0;
  common::Status status_;
};

// Runs SQL text that takes no parameters (setup, transactions, migrations). Unavailable naming
// `what` on failure.
common::Status Exec(const Database& db, std::string_view sql, std::string_view what);

// Reads the single integer a PRAGMA query returns. Unavailable on an SQLite failure, Internal
// when the PRAGMA returns no row.
common::Result<int64_t> PragmaInt(const Database& db, std::string_view pragma);

// Runs `body` between BEGIN IMMEDIATE and COMMIT. When `body` or the COMMIT fails, the
// transaction is rolled back (unless SQLite already did) and that failure is returned, so
// nothing of it is recorded; `what` names the work in error messages.
common::Status InTransaction(const Database& db, std::string_view what,
                             const std::function<common::Status()>& body);

// Checks that `db` is a usable SQLite file and switches it to WAL mode. These are the first
// statements to read the file, so a file that is not a SQLite database, or whose header or
// schema is corrupt, is reported here (Unavailable naming the path and quoting SQLite) rather
// than later as a schema problem.
common::Status UseWal(const Database& db);

}  // namespace rebound::store
