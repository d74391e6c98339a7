// RunPluginProcess: runs a credential plugin as a child process — no shell, stdin from
// /dev/null, stdout and stderr captured through pipes — and bounds it with a timeout after
// which it is killed.
//
// The child runs in a process group of its own, so that a timeout kills whatever it started
// too (a script's children would otherwise keep the pipes open); it starts with no signals
// blocked and default dispositions, whatever the daemon's threads block.
//
// The timeout is measured on the machine's steady clock, not an injected Clock: it bounds a
// real child process, which a fake clock would never end.
//
// Thread-safety: reentrant; any number of threads may run processes at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace rebound::kube {

struct PluginProcessSpec {
  std::string path;               // the executable; not looked up in PATH
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "NAME=value" entries: the child's whole environment
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 1 << 20;  // stdout beyond this is dropped (and reported as truncated)
};

struct PluginProcessResult {
  bool timed_out = false;   // killed at the timeout
  int exit_code = -1;       // when it exited on its own
  int signal = 0;           // when a signal ended it (not counting the timeout's SIGKILL)
  std::string out;          // stdout, up to max_output bytes
  bool out_truncated = false;
  std::string err;          // the last 4 KiB of stderr
};

// The finished (or killed) child. Failure: NotFound when the path does not exist, Unavailable
// for any other reason the child cannot be started; the message names the path and the cause.
common::Result<PluginProcessResult> RunPluginProcess(const PluginProcessSpec& spec);

}  // namespace rebound::kube
