// FaultVfs: a SQLite VFS that forwards every call to the default VFS but can be told to fail
// writes or syncs, so that a test can make the storage under a database fail on demand and
// check what the code above it does (STYLE.md point 13; LevelDB's ErrorEnv is the model).
//
// It is registered under its own name, never as the default: a connection uses it only when
// Database::Open names it, which production code never does. While a fault is injected, every
// xWrite (or xSync) on any file opened through this VFS — database, WAL, rollback journal —
// fails with the fault's SQLite error code and touches nothing; SQLite then behaves as it
// would on a full or failing disk. Reads, locks and the WAL index are never failed.
//
// Thread-safety: Inject and failures may be called from any thread while other threads use
// connections on the VFS. The FaultVfs must outlive every connection opened with it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3_vfs;

namespace rebound::store {

enum class Fault {
  kNone,
  kWriteError,  // xWrite fails with SQLITE_IOERR_WRITE (EIO)
  kDiskFull,    // xWrite fails with SQLITE_FULL (ENOSPC)
  kSyncError,   // xSync fails with SQLITE_IOERR_FSYNC
};

// "none" | "write_error" | "disk_full" | "sync_error"
std::string_view FaultName(Fault fault);

class FaultVfs {
 public:
  // Registers a VFS named `name` over SQLite's default VFS. AlreadyExists when a VFS of that
  // name is registered; Internal when SQLite refuses.
  static common::Result<std::unique_ptr<FaultVfs>> Register(std::string name);
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;
  ~FaultVfs();  // unregisters

  // The name to pass to Database::Open.
  const std::string& name() const { return name_; }

  // Fails every later write or sync as `fault` says, until the next Inject; kNone heals.
  void Inject(Fault fault) { fault_.store(fault); }
  // How many calls have been failed since registration: lets a test check that its fault was
  // actually hit.
  int64_t failures() const { return failures_.load(); }

 private:
  struct File;
  struct Methods;

  explicit FaultVfs(std::string name);

  std::string name_;
  sqlite3_vfs* base_ = nullptr;       // the default VFS
  std::unique_ptr<sqlite3_vfs> vfs_;  // ours, pointing at this object
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<int64_t> failures_{0};
};

}  // namespace rebound::store
