// Test helpers for integration tests that run real processes on 127.0.0.1.
//
// Process starts a child with its output in a log file, and stops it (SIGTERM, then SIGKILL)
// when destroyed, so a failing test never leaves servers behind. Only processes started here
// are ever signalled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rebound::testing {

class Process {
 public:
  // Starts `argv` (argv[0] is looked up in PATH) with stdout+stderr appended to `log_file`.
  // Returns nullptr (and records a gtest failure) when it cannot be started.
  static std::unique_ptr<Process> Start(std::vector<std::string> argv, std::string log_file,
                                        std::map<std::string, std::string> env = {});
  ~Process();

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Waits for the child to exit; its exit code, 128+signal when killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns as Wait().
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  std::string Log() const;
  // The first line of the log that contains `needle`, waiting up to `timeout` for it.
  std::string WaitForLogLine(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  Process(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  pid_t pid_;
  std::string log_file_;
  int exit_code_ = -1;
  bool reaped_ = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Polls `condition` every 50 ms until it holds or `timeout` passes; returns the last result.
// Only for what cannot signal — real processes, files, servers over the network (integration
// tests). Unit tests wait on a condition variable or a hook of the code under test instead.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A fresh directory under the test temp dir, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);

// Runs a shell command; its exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

// The path of a built binary: "rebound", or a path relative to the build folder.
std::string BinaryPath(const std::string& name);

}  // namespace rebound::testing
