#include "store/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <system_error>

#include "common/time_format.h"

namespace rebound::store {
namespace {

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Who holds the lock, as the holder wrote it ("rebound pid 1234 on host h since ..."); "" when
// the file is empty or unreadable (a holder between taking the lock and writing it).
std::string ReadHolder(int fd) {
  std::string text;
  char buffer[512];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof(buffer), offset);
    if (n <= 0 || text.size() > 4096) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string HostName() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "unknown";
  return host;
}

}  // namespace

common::Status EnsureStateDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return common::Unavailable("state_dir is empty");
  namespace fs = std::filesystem;
  const fs::path path(dir);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return common::Status::Ok();
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return common::Unavailable("cannot create directory " + path.parent_path().string() + ": " +
                                 ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return common::Unavailable("cannot create state directory " + dir + ": " + ErrnoMessage(errno));
  }
  if (!fs::is_directory(path, ec)) {
    return common::Unavailable("state_dir " + dir + " exists but is not a directory");
  }
  return common::Status::Ok();
}

common::Result<std::unique_ptr<StateDirLock>> StateDirLock::Acquire(
    const std::string& state_dir, std::chrono::system_clock::time_point now) {
  REBOUND_RETURN_IF_ERROR(EnsureStateDir(state_dir));
  const std::string path = (std::filesystem::path(state_dir) / "lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return common::Unavailable("cannot open the lock file " + path + ": " + ErrnoMessage(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string holder = error == EWOULDBLOCK ? ReadHolder(fd) : "";
    ::close(fd);
    if (error != EWOULDBLOCK) {
      return common::Unavailable("cannot lock " + path + ": " + ErrnoMessage(error));
    }
    if (holder.empty()) holder = "another process (" + path + " does not name it)";
    return common::FailedPrecondition("state_dir " + state_dir + " is in use by " + holder +
                                      "; one daemon per state_dir");
  }
  const std::string holder = "rebound pid " + std::to_string(::getpid()) + " on host " +
                             HostName() + " since " +
                             common::FormatRfc3339(common::Timestamp::FromTimePoint(now)) + "\n";
  // Only the description a competitor reads depends on this write (a full disk must not stop
  // the start): without it, a competitor is told the lock is held by an unnamed process.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, holder.data(), holder.size(), 0);
  return std::unique_ptr<StateDirLock>(new StateDirLock(fd, path));
}

StateDirLock::~StateDirLock() { ::close(fd_); }

}  // namespace rebound::store
