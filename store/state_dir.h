// The state directory (rebound.yaml `state_dir`): creating it, and holding it for one daemon.
//
// StateDirLock holds an exclusive flock(2) on STATE_DIR/lock for as long as it lives, and
// writes the holder (PID, host, start time) into that file, so that a second `rebound run` on
// the same directory refuses to start and names the process that holds it instead of sharing
// the journal. The kernel releases the lock when the holder exits in any way (SIGKILL
// included), so a lock file left behind never blocks a later start: only a live holder does.
// The lock is advisory: commands that only read the state (`rebound check`, `replay`) do not
// take it.
//
// Thread-safety: EnsureStateDir is reentrant; a StateDirLock is not shared between threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace rebound::store {

// Creates `dir` (mode 0700; missing parents with the default mode) unless it is already a
// directory. Unavailable, naming the directory, when it cannot be created or is not one.
common::Status EnsureStateDir(std::string dir);

class StateDirLock {
 public:
  // Creates the state directory if needed and takes its lock without waiting. FailedPrecondition
  // when another process holds it ("state_dir /x is in use by rebound pid 1234 on host h since
  // 2026-01-01T00:00:00Z"); Unavailable when the directory or the lock file cannot be used.
  static common::Result<std::unique_ptr<StateDirLock>> Acquire(
      const std::string& state_dir, std::chrono::system_clock::time_point now);
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();  // releases the lock (the file stays, describing the last holder)

  const std::string& path() const { return path_; }

 private:
  StateDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace rebound::store
