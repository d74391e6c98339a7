#include "kube/plugin_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rebound::kube {
namespace {

constexpr size_t kMaxStderr = 4096;

// Closes its descriptor when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

common::Status SpawnError(const std::string& path, int error) {
  std::string message = "cannot run " + path + ": " + std::strerror(error);
  return error == ENOENT ? common::NotFound(message) : common::Unavailable(message);
}

// Owns the spawn attributes and file actions for one child.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// Reads what is available on `fd` into `sink` (keeping at most `limit` bytes: the first ones
// when `keep_tail` is false, the last ones otherwise). False at end of file or on error.
bool Drain(int fd, std::string& sink, size_t limit, bool keep_tail, bool& truncated) {
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  sink.append(buffer, static_cast<size_t>(n));
  if (sink.size() > limit) {
    truncated = true;
    if (keep_tail) {
      sink.erase(0, sink.size() - limit);
    } else {
      sink.resize(limit);
    }
  }
  return true;
}

}  // namespace

common::Result<PluginProcessResult> RunPluginProcess(const PluginProcessSpec& spec) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return SpawnError(spec.path, errno);
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return SpawnError(spec.path, errno);
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), STDERR_FILENO);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  sigdelset(&default_signals, SIGKILL);
  sigdelset(&default_signals, SIGSTOP);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  posix_spawnattr_setsigdefault(&setup.attr, &default_signals);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  pid_t pid = -1;
  int error = posix_spawn(&pid, spec.path.c_str(), &setup.actions, &setup.attr, argv.data(),
                          envp.data());
  if (error != 0) return SpawnError(spec.path, error);
  out_write.Close();
  err_write.Close();

  PluginProcessResult result;
  bool err_truncated = false;
  const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      bool open = i == 0 ? Drain(fds[i].fd, result.out, spec.max_output, false,
                                 result.out_truncated)
                         : Drain(fds[i].fd, result.err, kMaxStderr, true, err_truncated);
      if (!open) fds[i].fd = -1;
    }
  }
  // The group as a whole: the plugin and anything it started that still holds a pipe.
  if (result.timed_out || fds[0].fd >= 0 || fds[1].fd >= 0) {
    result.timed_out = true;
    kill(-pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timed_out) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace rebound::kube
